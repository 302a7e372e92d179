import Model
import Synchronization

/// Decoded counting services per member, as of a member generation, for the SQLite store.
///
/// Every change to a member's rows in `services` bumps the member's generation (table
/// `member_generations`, kept by triggers) in the same transaction, whichever process or tool
/// makes it. A read compares the generation it sees in
/// its own snapshot with the cached one: equal means the cached services are exactly what the
/// query would return, so a check reads one integer instead of the member's whole history.
///
/// Only committed snapshots fill the cache (reads outside a write transaction): a write
/// transaction can still roll back, and committed generations of a member only grow, so a
/// generation never stands for two different histories. (Restoring an older copy of the file
/// under a running process breaks that, as it breaks any open SQLite connection: restart after
/// a restore.)
final class MemberServicesCache: Sendable {
    private struct Entry {
        let generation: Int64
        let services: [StoredService]
        /// The same services as the engine takes them, converted once: a check reads them as is.
        let priors: [PriorService]
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Members kept; past this the cache starts over (a batch over millions of members would
    /// otherwise keep every history in memory).
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The cached services of `member` when they are those of `generation`.
    func services(member: String, generation: Int64) -> [StoredService]? {
        entry(member: member, generation: generation)?.services
    }

    /// The cached services of `member` as prior services, when they are those of `generation`.
    func priorServices(member: String, generation: Int64) -> [PriorService]? {
        entry(member: member, generation: generation)?.priors
    }

    private func entry(member: String, generation: Int64) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[member], entry.generation == generation else { return nil }
            return entry
        }
    }

    /// Keeps the services of `member` as of `generation` (read from a committed snapshot).
    func store(_ services: [StoredService], member: String, generation: Int64) {
        let priors = services.map(\.asPriorService)
        entries.withLock { entries in
            if entries.count >= capacity && entries[member] == nil { entries.removeAll(keepingCapacity: true) }
            entries[member] = Entry(generation: generation, services: services, priors: priors)
        }
    }
}

/// Counting services of the members an open write transaction has changed, as of the generation
/// its own writes left them at: within a batch each claim is recorded and the next claim of the
/// same member reads its services from here instead of from the table (a batch of 1,000 claims
/// used to re-read and decode each member's whole history per claim). Uncommitted, so never
/// shared: ``publish(to:)`` hands the entries to the SQLite process cache once the transaction has
/// committed; a rollback drops the object. (PostgreSQL batches lock their members for the whole
/// transaction and keep every entry under one generation.)
final class TransactionMemberServices {
    private var entries: [String: (generation: Int64, services: [StoredService])] = [:]

    /// The member's services when this transaction last left them at `generation`.
    func services(member: String, generation: Int64) -> [StoredService]? {
        guard let entry = entries[member], entry.generation == generation else { return nil }
        return entry.services
    }

    func store(_ services: [StoredService], member: String, generation: Int64) {
        entries[member] = (generation, services)
    }

    /// After the transaction committed: its entries are committed data now.
    func publish(to cache: MemberServicesCache) {
        for (member, entry) in entries { cache.store(entry.services, member: member, generation: entry.generation) }
    }
}
