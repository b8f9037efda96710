// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0008: the incident-response programme (issue 15). Each import of the programme file is kept
    /// whole, as written, with its digest: its review history. Exercises keep their scenario, what
    /// their run produced on the simulated clock, and the facilitator's log; action items carry over
    /// from one exercise to the next until they are closed. A closed incident's post-incident review
    /// opens action items too. Security events arrive from monitoring and each gets a disposition;
    /// incidents move through phases, and their severity changes are kept with the reasons.
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
        CREATE TABLE security_event (
            id TEXT PRIMARY KEY NOT NULL,
            source TEXT NOT NULL,
            summary TEXT NOT NULL,
            severity TEXT,
            detected_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            received_by TEXT NOT NULL,
            details TEXT,
            triage_due_at TEXT NOT NULL,
            disposition TEXT CHECK (disposition IN ('false-positive', 'security-event', 'incident', 'breach')),
            disposed_at TEXT,
            disposed_by TEXT,
            rationale TEXT,
            incident_id TEXT REFERENCES incident(id)
        );
        CREATE INDEX security_event_by_received ON security_event(received_at);
        CREATE TABLE incident_phase (
            incident_id TEXT NOT NULL REFERENCES incident(id),
            phase TEXT NOT NULL CHECK (phase IN ('detected', 'triaged', 'contained', 'eradicated', 'recovered', 'closed')),
            at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            note TEXT,
            PRIMARY KEY (incident_id, phase)
        );
        CREATE TABLE incident_severity (
            incident_id TEXT NOT NULL REFERENCES incident(id),
            seq INTEGER NOT NULL,
            severity TEXT NOT NULL,
            reason TEXT NOT NULL,
            at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            PRIMARY KEY (incident_id, seq)
        );
        CREATE TABLE incident_review (
            incident_id TEXT PRIMARY KEY NOT NULL REFERENCES incident(id),
            review TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        );
        """
}
