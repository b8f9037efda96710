// Shipped migrations are never edited: add a new file for a change (see Migrations/README.md).
extension SQLiteMigrations {
    /// 0009: the web console's sign-in (issue 16). A session is minted from an API key or a one-time
    /// login link, and acts with that key's role; only hashes of the tokens are stored.
    static let m0009WebSessions = """
        CREATE TABLE web_session (
            token_hash TEXT PRIMARY KEY NOT NULL,
            key_id TEXT NOT NULL REFERENCES api_key(id),
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ended_at TEXT
        );
        CREATE TABLE login_link (
            token_hash TEXT PRIMARY KEY NOT NULL,
            key_id TEXT NOT NULL REFERENCES api_key(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        """
}
