import Foundation
import Workflows

/// The batch report as one self-contained HTML page: charts are inline SVG, no scripts, no
/// network, so it opens from a file in any browser.
enum BatchReport {
    static let outcomeColors: [(label: String, color: String, value: @Sendable (BatchStatistics.OutcomeCounts) -> Int)] = [
        ("approved", "#2e7d32", { $0.approved }),
        ("partial", "#9e9d24", { $0.partial }),
        ("denied", "#c62828", { $0.denied }),
        ("pended", "#ef6c00", { $0.pended }),
        ("not applicable", "#757575", { $0.notApplicable }),
    ]

    static func render(_ stats: BatchStatistics, source: String, seconds: Double, historyNote: String) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>medpolicy batch report: \(escape(source))</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
            h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #eee; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } .note { color: #555; }
            svg text { font: 12px system-ui, sans-serif; }
            </style></head><body>
            <h1>medpolicy batch report</h1>
            <p>\(escape(source)): \(stats.claims) claims, \(stats.lines) service lines adjudicated in \(String(format: "%.2f", seconds)) s;
            \(stats.claimProblemCount) claims not adjudicated; \(stats.envelopeIssueCount) envelope issues.</p>
            <p class="note">\(escape(historyNote))</p>
            <table><tr><th>outcome</th><th>claims</th></tr>
            """
        for entry in outcomeColors {
            html += "<tr><td>\(entry.label)</td><td class=\"n\">\(entry.value(stats.outcomes))</td></tr>"
        }
        html += "</table>\n<p>835: \(stats.remittedClaims) claims remitted with \(stats.reversals) reversals of earlier payments, "
            + "\(dollars(stats.paidCents)) paid; \(stats.unremitted) claims not in the 835 (pended, not adjudicated, "
            + "or voids with no payment to reverse).</p>\n"

        html += "<h2>Outcomes by payer</h2>\n" + outcomesByPayer(stats.byPayer)
        html += "<h2>Top denial reasons (denied lines)</h2>\n"
            + bars(BatchStatistics.top(stats.denialReasons, 12).map { ("\($0.rule) · CARC \($0.carc ?? "–")", $0.count, $0.message) },
                   color: "#c62828", empty: "No line was denied.")
        html += "<h2>Frequency limits and intervals hit (lines)</h2>\n"
            + bars(BatchStatistics.top(stats.limitsHit, 12).map { ($0.rule, $0.count, $0.message) },
                   color: "#ef6c00", empty: "No frequency limit or interval was hit.")
        if !stats.claimProblems.isEmpty {
            html += "<h2>Claims not adjudicated</h2>\n<table><tr><th>claim</th><th>segment</th><th>problem</th></tr>"
            for problem in stats.claimProblems.prefix(500) {
                html += "<tr><td>\(escape(problem.claimId ?? "–"))</td><td class=\"n\">\(problem.segment.map(String.init) ?? "–")</td>"
                    + "<td>\(escape(problem.message))</td></tr>"
            }
            html += "</table>"
            if stats.claimProblemCount > 500 {
                html += "<p class=\"note\">… and \(stats.claimProblemCount - 500) more (the first \(BatchStatistics.keptClaimProblems) are in --json).</p>"
            }
        }
        if !stats.envelopeIssues.isEmpty {
            html += "<h2>Envelope issues</h2>\n<ul>" + stats.envelopeIssues.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
            if stats.envelopeIssueCount > stats.envelopeIssues.count {
                html += "<p class=\"note\">… and \(stats.envelopeIssueCount - stats.envelopeIssues.count) more.</p>"
            }
        }
        return html + "\n</body></html>\n"
    }

    /// One stacked horizontal bar per payer, scaled to the largest payer.
    static func outcomesByPayer(_ byPayer: [String: BatchStatistics.OutcomeCounts]) -> String {
        let payers = byPayer.keys.sorted()
        guard let largest = payers.map({ byPayer[$0]!.total }).max(), largest > 0 else { return "<p>No claims.</p>" }
        let labelWidth = 150.0, barWidth = 600.0, rowHeight = 26.0
        let height = Double(payers.count) * rowHeight + 40
        var svg = "<svg width=\"\(Int(labelWidth + barWidth + 90))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"outcomes by payer\">"
        for (row, payer) in payers.enumerated() {
            let counts = byPayer[payer]!
            let y = Double(row) * rowHeight
            svg += "<text x=\"0\" y=\"\(y + 17)\">\(escape(payer))</text>"
            var x = labelWidth
            for entry in outcomeColors {
                let value = entry.value(counts)
                guard value > 0 else { continue }
                let width = barWidth * Double(value) / Double(largest)
                svg += "<rect x=\"\(format(x))\" y=\"\(y + 4)\" width=\"\(format(width))\" height=\"18\" fill=\"\(entry.color)\">"
                    + "<title>\(escape(payer)): \(value) \(entry.label)</title></rect>"
                x += width
            }
            svg += "<text x=\"\(format(x + 6))\" y=\"\(y + 17)\">\(counts.total)</text>"
        }
        var legendX = labelWidth
        let legendY = Double(payers.count) * rowHeight + 16
        for entry in outcomeColors {
            svg += "<rect x=\"\(format(legendX))\" y=\"\(legendY)\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/>"
                + "<text x=\"\(format(legendX + 16))\" y=\"\(legendY + 11)\">\(entry.label)</text>"
            legendX += 110
        }
        return svg + "</svg>\n"
    }

    /// Horizontal bars with a label and a count each.
    static func bars(_ rows: [(label: String, count: Int, detail: String)], color: String, empty: String) -> String {
        guard let largest = rows.map(\.count).max(), largest > 0 else { return "<p>\(escape(empty))</p>\n" }
        let labelWidth = 330.0, barWidth = 480.0, rowHeight = 24.0
        var svg = "<svg width=\"\(Int(labelWidth + barWidth + 80))\" height=\"\(Int(Double(rows.count) * rowHeight + 4))\" role=\"img\">"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * rowHeight
            let width = max(1, barWidth * Double(row.count) / Double(largest))
            svg += "<text x=\"0\" y=\"\(y + 16)\">\(escape(String(row.label.prefix(48))))<title>\(escape(row.detail))</title></text>"
                + "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(format(width))\" height=\"17\" fill=\"\(color)\"><title>\(escape(row.detail))</title></rect>"
                + "<text x=\"\(format(labelWidth + width + 6))\" y=\"\(y + 16)\">\(row.count)</text>"
        }
        return svg + "</svg>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static func dollars(_ cents: Int) -> String { String(format: "$%d.%02d", cents / 100, cents % 100) }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
