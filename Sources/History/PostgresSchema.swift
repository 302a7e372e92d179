import PostgresNIO

/// The PostgreSQL history's schema and its versions: the tables live in one schema (default
/// `medpolicy`), marked as ours, with the version, in its `meta` table.
extension PostgresHistoryStore {
    static let schemaVersion = 3
    static let application = "medpolicy-history"

    /// Creates or upgrades the schema, serialized across processes by an advisory lock on the
    /// schema's name. One lock for every schema made each open wait for the others' migrations (in
    /// the whole test suite, ~40 at a time, a fresh schema's open took 48 s; 27-32 s without it).
    func migrate() async throws {
        try await transaction { connection in
            try await connection.run(
                "SELECT pg_advisory_xact_lock(hashtext('medpolicy-history-migration'), hashtext(\(s)))", logger)
            let schemaExists = try await connection.one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(s))", Bool.self, logger) ?? false
            if !schemaExists {
                try await connection.run("CREATE SCHEMA \(unescaped: s)", logger)
            }
            let hasMeta = try await connection.one("""
                SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                               WHERE n.nspname = \(s) AND c.relname = 'meta')
                """, Bool.self, logger) ?? false
            var version = 0
            if hasMeta {
                let application = try await connection.one(
                    "SELECT value FROM \(unescaped: s).meta WHERE key = 'application'", String.self, logger)
                guard application == Self.application else { throw HistoryError.notOurDatabase(place) }
                let text = try await connection.one(
                    "SELECT value FROM \(unescaped: s).meta WHERE key = 'schema_version'", String.self, logger)
                guard let text, let number = Int(text) else { throw HistoryError.notOurDatabase(place) }
                version = number
            } else {
                let relations = try await connection.one("""
                    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = \(s) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                    """, Int.self, logger) ?? 0
                guard relations == 0 else { throw HistoryError.notOurDatabase(place) }
            }
            guard version <= Self.schemaVersion else {
                throw HistoryError.newerSchema(found: version, supported: Self.schemaVersion)
            }
            if version < 1 {
                for statement in schemaV1 { try await connection.run(statement, logger) }
                try await connection.run("""
                    INSERT INTO \(unescaped: s).meta (key, value)
                    VALUES ('application', \(Self.application)), ('schema_version', '1')
                    """, logger)
            }
            if version < 2 {
                // Version 2: replays find a claim's determinations through its submission, not by scanning.
                try await connection.run("""
                    CREATE INDEX IF NOT EXISTS determinations_by_submission ON \(unescaped: s).determinations (submission)
                    """, logger)
                try await connection.run(
                    "UPDATE \(unescaped: s).meta SET value = '2' WHERE key = 'schema_version'", logger)
            }
            if version < 3 {
                // Version 3 (issue 19): prior authorizations on file, by number.
                try await connection.run("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: s).authorizations (
                        number      text PRIMARY KEY,
                        payer       text NOT NULL,
                        member_id   text NOT NULL,
                        status      text NOT NULL CHECK (status IN ('approved', 'partial')),
                        issued      date NOT NULL,
                        policy_id   text,
                        items       text NOT NULL,
                        clinical    text,
                        recorded_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger)
                try await connection.run("""
                    CREATE INDEX IF NOT EXISTS authorizations_by_member ON \(unescaped: s).authorizations (member_id, payer)
                    """, logger)
                try await connection.run(
                    "UPDATE \(unescaped: s).meta SET value = '3' WHERE key = 'schema_version'", logger)
            }
            return ((), commit: true)
        }
    }

    private var place: String { "PostgreSQL schema \"\(s)\" of \(location.displayName)" }

    private var schemaV1: [PostgresQuery] {
        [
            "CREATE TABLE \(unescaped: s).meta (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE \(unescaped: s).claims (
                submission  bigserial PRIMARY KEY,
                claim_id    text NOT NULL,
                member_id   text NOT NULL,
                payer       text NOT NULL,
                frequency   text NOT NULL CHECK (frequency IN ('original', 'replacement', 'void')),
                replaces    text,
                state       text NOT NULL CHECK (state IN ('current', 'superseded', 'voided', 'void')),
                changed_by  bigint REFERENCES \(unescaped: s).claims (submission),
                encounter   text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX claims_by_claim_id ON \(unescaped: s).claims (claim_id)",
            """
            CREATE UNIQUE INDEX claims_original_once ON \(unescaped: s).claims (claim_id)
            WHERE frequency = 'original'
            """,
            """
            CREATE TABLE \(unescaped: s).services (
                submission      bigint NOT NULL REFERENCES \(unescaped: s).claims (submission),
                line_number     integer NOT NULL,
                member_id       text NOT NULL,
                payer           text NOT NULL,
                claim_id        text NOT NULL,
                date_of_service date NOT NULL,
                code            text NOT NULL,
                units           integer NOT NULL,
                sites           text NOT NULL,
                outcome         text NOT NULL,
                state           text NOT NULL CHECK (state IN ('current', 'superseded', 'voided', 'void')),
                PRIMARY KEY (submission, line_number)
            )
            """,
            "CREATE INDEX services_by_member ON \(unescaped: s).services (member_id, date_of_service)",
            """
            CREATE TABLE \(unescaped: s).determinations (
                sequence      bigserial PRIMARY KEY,
                submission    bigint NOT NULL REFERENCES \(unescaped: s).claims (submission),
                claim_id      text NOT NULL,
                policy_id     text,
                outcome       text NOT NULL,
                determination text NOT NULL,
                recorded_at   timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX determinations_by_claim_id ON \(unescaped: s).determinations (claim_id, sequence)",
        ]
    }
}
