import Foundation
import Model

/// Writes 835s for claims that arrive in chunks, as a batch adjudication produces them, with
/// memory that stays flat however many claims there are.
///
/// Each payer gets one interchange (ISA…IEA) whose transaction sets (one per payee per chunk)
/// are spooled as they come — in memory, or to a file in `spoolDirectory` for large batches —
/// and wrapped in their envelope by ``finish(payer:into:)``.
public final class Remittance835Stream {
    /// One payer's interchange under construction.
    private final class PayerSpool {
        let identity: RemittancePayer
        let controlNumber: Int
        let body: X12Output
        let file: (url: URL, handle: FileHandle)?
        var transactions = 0
        var claimCount = 0
        var reversals = 0
        var remittedClaims = 0
        var paidCents = 0

        init(identity: RemittancePayer, controlNumber: Int, file: (url: URL, handle: FileHandle)?) {
            self.identity = identity; self.controlNumber = controlNumber; self.file = file
            body = file.map { X12Output(fileHandle: $0.handle) } ?? X12Output()
        }
    }

    /// What one payer's finished interchange holds.
    public struct Totals: Equatable, Sendable {
        /// ISA13 / GS06.
        public var controlNumber: Int
        /// Transaction sets (ST…SE) in it.
        public var transactions: Int
        /// Claims (CLP) in it, reversals included.
        public var claimCount: Int
        /// Of those, reversals of earlier payments (CLP02 22).
        public var reversals: Int
        /// Claims of the input that the interchange accounts for: each has its own CLP, or (a
        /// void) the reversal it caused.
        public var remittedClaims: Int
        /// Sum of BPR02, in cents.
        public var paidCents: Int
    }

    private let writer: Remittance835Writer
    private let spoolDirectory: URL?
    private var spools: [String: PayerSpool] = [:]
    /// Payers with claims remitted so far, in order of first appearance.
    public private(set) var payers: [String] = []
    /// The control number the next payer's interchange will get.
    public private(set) var nextControlNumber: Int

    /// - Parameter spoolDirectory: where each payer's transaction sets wait until ``finish(payer:into:)``
    ///   (an existing directory); nil keeps them in memory.
    public init(writer: Remittance835Writer, firstControlNumber: Int, spoolDirectory: URL? = nil) {
        self.writer = writer
        self.spoolDirectory = spoolDirectory
        nextControlNumber = firstControlNumber
    }

    deinit {
        for spool in spools.values {
            if let file = spool.file {
                try? file.handle.close()
                try? FileManager.default.removeItem(at: file.url)
            }
        }
    }

    /// Adds adjudicated claims; returns those not remitted (pended, not adjudicated, voids).
    public func add(_ claims: [AdjudicatedClaim]) throws -> [UnremittedClaim] {
        var unremitted: [UnremittedClaim] = []
        // One transaction set per payer and payee, each in order of first appearance. A claim is
        // filed straight into its group: copying an AdjudicatedClaim retains every string and array
        // it holds, and the copies made on the way were a tenth of a batch without history.
        var payerOrder: [String] = []
        var payeeOrder: [String: [BillingProvider]] = [:]
        var groups: [String: [BillingProvider: [AdjudicatedClaim]]] = [:]
        func file(_ part: AdjudicatedClaim, under payer: String) {
            let payee = part.claim.billingProvider
            if groups[payer] == nil { payerOrder.append(payer) }
            if groups[payer]?[payee] == nil { payeeOrder[payer, default: []].append(payee) }
            groups[payer, default: [:]][payee, default: []].append(part)
        }
        for item in claims {
            if let reason = try writer.unremittedReason(item) {
                unremitted.append(reason)
                continue
            }
            if let parts = item.partsForOtherPayers {
                for (payer, part) in parts { file(part, under: payer) }
            } else {
                file(item, under: item.determination.payer)
            }
        }
        for payer in payerOrder {
            let byPayee = groups[payer]!
            let spool = try self.spool(for: payer, firstClaim: byPayee[payeeOrder[payer]![0]]![0])
            var segments = X12SegmentWriter(output: spool.body, delimiters: writer.settings.delimiters,
                                            lineBreaks: writer.settings.lineBreaks)
            for payee in payeeOrder[payer]! {
                spool.transactions += 1
                let totals = try writer.writeTransaction(
                    &segments, identity: spool.identity, payee: payee, claims: byPayee[payee]!,
                    control: spool.controlNumber, transactionNumber: spool.transactions, claimCounter: &spool.claimCount)
                // Each transaction fits an amount; enough of them could still add up past Int.
                let (paid, overflow) = spool.paidCents.addingReportingOverflow(totals.paidCents)
                guard !overflow else {
                    throw RemittanceError(claimId: byPayee[payee]![0].claim.encounter.id,
                                          message: "the payments of this file for \(payer) add up past what can be totalled", isCallersToFix: true)
                }
                spool.paidCents = paid
                spool.reversals += totals.reversals
                spool.remittedClaims += totals.remittedClaims
            }
            try spool.body.flushIfFull()
        }
        return unremitted
    }

    /// Writes one payer's whole interchange to `output` and releases its spool.
    public func finish(payer: String, into output: X12Output) throws -> Totals {
        guard let spool = spools.removeValue(forKey: payer) else {
            throw RemittanceError(claimId: "", message: "no claims were remitted for payer \"\(payer)\"")
        }
        var segments = X12SegmentWriter(output: output, delimiters: writer.settings.delimiters,
                                        lineBreaks: writer.settings.lineBreaks)
        writer.writeHeader(&segments, control: spool.controlNumber)
        if let file = spool.file {
            try spool.body.flush()
            try file.handle.seek(toOffset: 0)
            while let chunk = try file.handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                output.append(contentsOf: chunk)
                try output.flushIfFull()
            }
            try file.handle.close()
            try? FileManager.default.removeItem(at: file.url)
        } else {
            output.append(contentsOf: spool.body.bytes)
        }
        writer.writeTrailer(&segments, control: spool.controlNumber, transactions: spool.transactions)
        try output.flushIfFull()
        return Totals(controlNumber: spool.controlNumber, transactions: spool.transactions,
                      claimCount: spool.claimCount, reversals: spool.reversals, remittedClaims: spool.remittedClaims,
                      paidCents: spool.paidCents)
    }

    private func spool(for payer: String, firstClaim: AdjudicatedClaim) throws -> PayerSpool {
        if let spool = spools[payer] { return spool }
        guard let identity = writer.settings.payers[payer] else {
            throw RemittanceError(claimId: firstClaim.claim.encounter.id, message: "no 835 payer settings for payer \"\(payer)\"")
        }
        var file: (url: URL, handle: FileHandle)?
        if let spoolDirectory {
            let url = spoolDirectory.appendingPathComponent("medpolicy-835-\(payer)-\(UUID().uuidString).spool")
            guard FileManager.default.createFile(atPath: url.path, contents: nil),
                  let handle = try? FileHandle(forUpdating: url) else {
                throw RemittanceError(claimId: firstClaim.claim.encounter.id,
                                      message: "cannot create the 835 spool file \(url.path)")
            }
            file = (url, handle)
        }
        let spool = PayerSpool(identity: identity, controlNumber: nextControlNumber, file: file)
        nextControlNumber += 1
        spools[payer] = spool
        payers.append(payer)
        return spool
    }
}
