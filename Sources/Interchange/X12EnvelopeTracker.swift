/// Where a reader is in the X12 envelope (ISA…IEA, GS…GE, ST…SE) and what each open level has
/// counted. Each `read…` method takes one envelope segment from the scanner and returns what is
/// wrong with it; the tracker moves on either way, so one bad envelope segment is reported once and
/// reading continues.
struct X12EnvelopeTracker {
    /// An envelope problem: the element it concerns (`nil` for the whole segment) and what is wrong.
    struct Problem: Equatable {
        let element: String?
        let message: String
        init(_ element: String?, _ message: String) { self.element = element; self.message = message }
    }

    struct Interchange {
        let control: String
        let segmentNumber: Int
        var groups = 0
    }

    struct Group {
        let control: String
        var transactions = 0
    }

    struct Transaction {
        let control: String
        let segmentNumber: Int
        /// A transaction set that is not an 837 is skipped up to its SE.
        var skipped = false
    }

    private(set) var interchange: Interchange?
    private(set) var group: Group?
    private(set) var transaction: Transaction?

    /// Inside an ST…SE that is being skipped (not an 837).
    var skippingTransaction: Bool { transaction?.skipped ?? false }

    // MARK: Interchange

    mutating func readISA(_ s: SegmentScanner, segmentNumber: Int) -> [Problem] {
        let control = s.string(13)
        interchange = Interchange(control: control, segmentNumber: segmentNumber)
        var problems: [Problem] = []
        if !s.isDigits(13, count: 9) {
            problems.append(Problem("ISA13", "interchange control number must be 9 digits, got \"\(control)\""))
        }
        if !s.equals(12, "00501") {
            problems.append(Problem("ISA12", "interchange control version must be 00501, got \"\(s.string(12))\""))
        }
        if s.delimiters?.repetition == nil, s.equals(11, "U"), s.string(12) >= "00402" {
            problems.append(Problem("ISA11", "\"U\" is the 4010 standards identifier, not a repetition separator; read as no repetition separator"))
        }
        if segmentNumber == 1, s.skippedByteOrderMark {
            problems.append(Problem(nil, "the input starts with a UTF-8 byte-order mark before the ISA; it was skipped"))
        }
        return problems
    }

    mutating func readIEA(_ s: SegmentScanner) -> [Problem] {
        var problems = closeInnerLevels(before: "IEA", transaction: true, group: true)
        if let interchange {
            if s.integer(1) != interchange.groups {
                problems.append(Problem("IEA01", "number of functional groups is \(interchange.groups), IEA01 says \"\(s.string(1))\""))
            }
            if s.string(2) != interchange.control {
                problems.append(Problem("IEA02", "interchange control number \"\(s.string(2))\" does not match ISA13 \"\(interchange.control)\""))
            }
        } else {
            problems.append(Problem(nil, "IEA without ISA"))
        }
        interchange = nil
        return problems
    }

    /// An ISA where an interchange is open: the open one has no IEA.
    func nestedISA() -> Problem {
        Problem(nil, "ISA inside an interchange: the interchange started at segment \(interchange?.segmentNumber ?? 0) has no IEA")
    }

    // MARK: Functional group

    mutating func readGS(_ s: SegmentScanner) -> [Problem] {
        var problems: [Problem] = []
        if interchange == nil { problems.append(Problem(nil, "GS outside an interchange (no ISA)")) }
        if let group { problems.append(Problem(nil, "GS before GE of functional group \(group.control)")) }
        interchange?.groups += 1
        let control = s.string(6)
        group = Group(control: control)
        if control.isEmpty { problems.append(Problem("GS06", "group control number is missing")) }
        if !s.equals(1, "HC") {
            problems.append(Problem("GS01", "functional identifier code must be HC (health care claim), got \"\(s.string(1))\""))
        }
        if !s.equals(8, "005010X222A1") {
            problems.append(Problem("GS08", "version must be 005010X222A1 (837 professional), got \"\(s.string(8))\""))
        }
        return problems
    }

    mutating func readGE(_ s: SegmentScanner) -> [Problem] {
        var problems = closeInnerLevels(before: "GE", transaction: true, group: false)
        if let group {
            if s.integer(1) != group.transactions {
                problems.append(Problem("GE01", "number of transaction sets is \(group.transactions), GE01 says \"\(s.string(1))\""))
            }
            if s.string(2) != group.control {
                problems.append(Problem("GE02", "group control number \"\(s.string(2))\" does not match GS06 \"\(group.control)\""))
            }
        } else {
            problems.append(Problem(nil, "GE without GS"))
        }
        group = nil
        return problems
    }

    // MARK: Transaction set

    mutating func readST(_ s: SegmentScanner, segmentNumber: Int) -> [Problem] {
        var problems: [Problem] = []
        if group == nil { problems.append(Problem(nil, "ST outside a functional group (no GS)")) }
        if let transaction { problems.append(Problem(nil, "ST before SE of transaction set \(transaction.control)")) }
        group?.transactions += 1
        let control = s.string(2)
        transaction = Transaction(control: control, segmentNumber: segmentNumber)
        if control.isEmpty { problems.append(Problem("ST02", "transaction set control number is missing")) }
        if !s.equals(1, "837") {
            problems.append(Problem("ST01", "transaction set must be 837, got \"\(s.string(1))\"; skipping it"))
            transaction?.skipped = true
        } else if !s.equals(3, "005010X222A1") {
            problems.append(Problem("ST03", "implementation convention must be 005010X222A1, got \"\(s.string(3))\""))
        }
        return problems
    }

    mutating func readSE(_ s: SegmentScanner, segmentNumber: Int) -> [Problem] {
        guard let transaction else { return [Problem(nil, "SE without ST")] }
        var problems: [Problem] = []
        let expected = segmentNumber - transaction.segmentNumber + 1
        if s.integer(1) != expected {
            problems.append(Problem("SE01", "transaction set has \(expected) segments (ST through SE), SE01 says \"\(s.string(1))\""))
        }
        if s.string(2) != transaction.control {
            problems.append(Problem("SE02", "transaction set control number \"\(s.string(2))\" does not match ST02 \"\(transaction.control)\""))
        }
        self.transaction = nil
        return problems
    }

    // MARK: Closing

    /// The end of the input: every level still open is reported, innermost first, and closed.
    mutating func endOfInput() -> [Problem] {
        var problems: [Problem] = []
        if let transaction { problems.append(Problem(nil, "the input ends inside transaction set \(transaction.control) (no SE)")) }
        if let group { problems.append(Problem(nil, "the input ends inside functional group \(group.control) (no GE)")) }
        if let interchange { problems.append(Problem(nil, "the input ends inside interchange \(interchange.control) (no IEA)")) }
        transaction = nil; group = nil; interchange = nil
        return problems
    }

    /// A closing segment (`GE`, `IEA`) that arrives while inner levels are still open closes them.
    private mutating func closeInnerLevels(before closing: String, transaction closeTransaction: Bool, group closeGroup: Bool) -> [Problem] {
        var problems: [Problem] = []
        if closeTransaction, let transaction {
            problems.append(Problem(nil, "\(closing) before SE of transaction set \(transaction.control)"))
            self.transaction = nil
        }
        if closeGroup, let group {
            problems.append(Problem(nil, "\(closing) before GE of functional group \(group.control)"))
            self.group = nil
        }
        return problems
    }
}
