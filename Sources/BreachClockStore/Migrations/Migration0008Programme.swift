// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0008: the incident-response programme (issue 15). Each import of the programme file is kept
    /// whole, as written, with its digest: its review history. Exercises keep their scenario, what
    /// their run produced on the simulated clock, and the facilitator's log; action items carry over
    /// from one exercise to the next until they are closed. A closed incident's post-incident review
    /// opens action items too.
    static let m0008Programme = """
        CREATE TABLE programme_revision (
            revision INTEGER PRIMARY KEY NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            digest TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
            source TEXT NOT NULL
        );
        CREATE TABLE exercise (
            id TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            run_at TEXT NOT NULL,
            run_by TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            scenario TEXT NOT NULL,
            record TEXT NOT NULL,
            log TEXT,
            logged_at TEXT
        );
        CREATE INDEX exercise_by_run_at ON exercise(run_at);
        CREATE TABLE action_item (
            id TEXT PRIMARY KEY NOT NULL,
            exercise_id TEXT REFERENCES exercise(id),
            incident_id TEXT REFERENCES incident(id),
            title TEXT NOT NULL,
            owner TEXT NOT NULL,
            due TEXT NOT NULL,
            changes TEXT,
            status TEXT NOT NULL CHECK (status IN ('open', 'done')),
            created_at TEXT NOT NULL,
            closed_at TEXT,
            closed_by TEXT,
            resolution TEXT
        );
        CREATE INDEX action_item_by_status ON action_item(status, due);
        CREATE TABLE incident_review (
            incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incident(id),
            review TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        """
}
