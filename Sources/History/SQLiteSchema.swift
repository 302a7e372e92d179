import GRDB

/// The SQLite history's schema and its versions.
///
/// The file is marked as ours with `PRAGMA application_id` ('MPOL'). Versions are GRDB
/// migrations, recorded by `DatabaseMigrator` in `grdb_migrations`; each also sets
/// `PRAGMA user_version` to its number, which is what medpolicy recorded before it used the
/// migrator, what older medpolicy versions check, and what the header shows without opening the
/// file for writing. A file from before the migrator (version n in `user_version`, no
/// `grdb_migrations`) has the first n migrations recorded as applied when it is opened.
enum SQLiteSchema {
    /// 'MPOL' as a big-endian 32-bit integer, in the SQLite header at offset 68.
    static let applicationID: Int32 = 0x4D50_4F4C

    /// The migrations, in order; version n is the first n of them.
    private static let migrations: [(identifier: String, sql: String)] = [
        ("v1 claims, services, determinations", """
            CREATE TABLE claims (
                submission INTEGER PRIMARY KEY,
                claim_id   TEXT NOT NULL,
                member_id  TEXT NOT NULL,
                payer      TEXT NOT NULL,
                frequency  TEXT NOT NULL CHECK (frequency IN ('original', 'replacement', 'void')),
                replaces   TEXT,
                state      TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'voided', 'void')),
                changed_by INTEGER REFERENCES claims (submission),
                encounter  TEXT NOT NULL,
                recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE INDEX claims_by_claim_id ON claims (claim_id);
            CREATE UNIQUE INDEX claims_original_once ON claims (claim_id) WHERE frequency = 'original';
            CREATE TABLE services (
                submission      INTEGER NOT NULL REFERENCES claims (submission),
                line_number     INTEGER NOT NULL,
                member_id       TEXT NOT NULL,
                payer           TEXT NOT NULL,
                claim_id        TEXT NOT NULL,
                date_of_service TEXT NOT NULL,
                code            TEXT NOT NULL,
                units           INTEGER NOT NULL,
                sites           TEXT NOT NULL,
                outcome         TEXT NOT NULL,
                state           TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'voided', 'void')),
                PRIMARY KEY (submission, line_number)
            );
            CREATE INDEX services_by_member ON services (member_id, date_of_service);
            CREATE TABLE determinations (
                sequence      INTEGER PRIMARY KEY AUTOINCREMENT,
                submission    INTEGER NOT NULL REFERENCES claims (submission),
                claim_id      TEXT NOT NULL,
                policy_id     TEXT,
                outcome       TEXT NOT NULL,
                determination TEXT NOT NULL,
                recorded_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE INDEX determinations_by_claim_id ON determinations (claim_id, sequence);
            PRAGMA application_id = \(applicationID);
            """),
        // Replays find a claim's determinations through its submission, not by scanning.
        ("v2 determinations by submission",
         "CREATE INDEX IF NOT EXISTS determinations_by_submission ON determinations (submission)"),
        // A generation per member, so that a process can tell whether its cached copy of a member's
        // services is still current. Members without a row are at generation 0. Triggers bump it on
        // every change to `services`, whoever makes it: this medpolicy, an older one still running
        // when the file was upgraded, or an administrator's SQL.
        ("v3 member generations", """
            CREATE TABLE IF NOT EXISTS member_generations (
                member_id  TEXT PRIMARY KEY,
                generation INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TRIGGER IF NOT EXISTS services_inserted AFTER INSERT ON services BEGIN
                INSERT INTO member_generations (member_id, generation) VALUES (NEW.member_id, 1)
                ON CONFLICT (member_id) DO UPDATE SET generation = generation + 1;
            END;
            CREATE TRIGGER IF NOT EXISTS services_updated AFTER UPDATE ON services BEGIN
                INSERT INTO member_generations (member_id, generation) VALUES (NEW.member_id, 1)
                ON CONFLICT (member_id) DO UPDATE SET generation = generation + 1;
                INSERT INTO member_generations (member_id, generation)
                SELECT OLD.member_id, 1 WHERE OLD.member_id <> NEW.member_id
                ON CONFLICT (member_id) DO UPDATE SET generation = generation + 1;
            END;
            CREATE TRIGGER IF NOT EXISTS services_deleted AFTER DELETE ON services BEGIN
                INSERT INTO member_generations (member_id, generation) VALUES (OLD.member_id, 1)
                ON CONFLICT (member_id) DO UPDATE SET generation = generation + 1;
            END;

            """),
        // Issue 19: prior authorizations on file, by number.
        ("v4 authorizations", """
            CREATE TABLE IF NOT EXISTS authorizations (
                number      TEXT PRIMARY KEY,
                payer       TEXT NOT NULL,
                member_id   TEXT NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('approved', 'partial')),
                issued      TEXT NOT NULL,
                policy_id   TEXT,
                items       TEXT NOT NULL,
                clinical    TEXT,
                recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            );
            CREATE INDEX IF NOT EXISTS authorizations_by_member ON authorizations (member_id, payer);

            """),
    ]

    /// The schema version this medpolicy writes.
    static let version = migrations.count

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        for (number, migration) in zip(1..., migrations) {
            // The statements only add tables, indexes and triggers: no foreign key to re-check.
            migrator.registerMigration(migration.identifier, foreignKeyChecks: .immediate) { db in
                try db.execute(sql: migration.sql)
                try db.execute(sql: "PRAGMA user_version = \(number)")
            }
        }
        return migrator
    }()

    /// Refuses a file a newer medpolicy wrote: one whose `user_version` is past ours, or that
    /// records migrations this migrator does not know (migrated by a more recent migrator).
    static func checkNotNewer(_ db: Database, userVersion: Int) throws {
        if userVersion > version {
            throw HistoryError.newerSchema(found: userVersion, supported: version)
        }
        if try migrator.hasBeenSuperseded(db) {
            let applied = try migrator.appliedIdentifiers(db).count
            throw HistoryError.newerSchema(found: max(userVersion, applied), supported: version)
        }
    }

    /// Inside a write transaction, before migrating: refuses what is not ours or is newer, and
    /// records as applied the migrations of the version the file's `user_version` names (the
    /// record of files from before the migrator, and of any file it still agrees with).
    static func prepare(_ db: Database, path: String) throws {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if id != applicationID {
            // Application id 0: an empty database left by an interrupted first use is ours to set up.
            let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            guard objects == 0, userVersion == 0 else { throw HistoryError.notOurDatabase(path) }
            // Claimed before anything is created in it: a first use killed after the migrator made its
            // table but before version 1 committed left a file refused as another application's.
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            return
        }
        try checkNotNewer(db, userVersion: userVersion)
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        for (number, migration) in zip(1..., migrations) {
            try db.execute(sql: number <= userVersion ? "INSERT OR IGNORE INTO grdb_migrations (identifier) VALUES (?)"
                                                      : "DELETE FROM grdb_migrations WHERE identifier = ?",
                           arguments: [migration.identifier])
        }
    }

    /// Runs the migrations the file lacks, each in its own transaction. Two processes opening one
    /// old or new file at once can both try a migration; the second then fails, and is run again
    /// once it sees the other's progress (each migration commits with its record).
    static func migrate(_ pool: DatabasePool) throws {
        // Read on the writer: a reader connection is opened read-only, and were it the last one
        // to close, the write-ahead log would be left beside the file instead of checkpointed.
        let appliedIdentifiers = { try pool.writeWithoutTransaction { try migrator.appliedIdentifiers($0) } }
        var applied = try appliedIdentifiers()
        while true {
            do {
                return try migrator.migrate(pool)
            } catch {
                let now = try appliedIdentifiers()
                guard now != applied else { throw error }
                applied = now
            }
        }
    }
}
