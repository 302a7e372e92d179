/// A short list kept inline: its first three elements in the value itself, any more in an array.
///
/// The lists a decision builds are almost always that short (a claim's procedure lines, its
/// diagnoses), and an array of them was an allocation per decision. Used only inside the engine,
/// where the optimizer specializes it for each element type, and only for lists that are built
/// once and read in place: a value that holds one and is itself copied (``ServiceSites``) was
/// copied through the generic type's value witnesses, which cost more than the allocation saved.
struct InlineList<Element>: RandomAccessCollection {
    private var inline: (Element, Element, Element)
    private var more: [Element] = []
    private(set) var count = 0

    /// An empty list; `filler` takes the inline places no element has yet, and is never read.
    init(filler: Element) { inline = (filler, filler, filler) }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> Element {
        precondition(position >= 0 && position < count, "inline list position out of range")
        switch position {
        case 0: return inline.0
        case 1: return inline.1
        case 2: return inline.2
        default: return more[position - 3]
        }
    }

    mutating func append(_ element: Element) {
        switch count {
        case 0: inline.0 = element
        case 1: inline.1 = element
        case 2: inline.2 = element
        default: more.append(element)
        }
        count += 1
    }
}

/// Positions of some of a claim's lines, in claim order (a claim usually has one TPI line).
typealias LinePositions = InlineList<Int>

extension InlineList<Int> {
    init() { self.init(filler: 0) }
}
