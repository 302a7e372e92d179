import Foundation
import Mustache
import Workflows

/// The batch report as one self-contained HTML page: charts are inline SVG, no scripts, no
/// network, so it opens from a file in any browser. Rendered from ``BatchReportTemplate`` with
/// swift-mustache, which escapes every value; this type only computes what the page shows.
enum BatchReport {
    static let outcomeColors: [(label: String, color: String, value: @Sendable (BatchStatistics.OutcomeCounts) -> Int)] = [
        ("approved", "#2e7d32", { $0.approved }),
        ("partial", "#9e9d24", { $0.partial }),
        ("denied", "#c62828", { $0.denied }),
        ("pended", "#ef6c00", { $0.pended }),
        ("not applicable", "#757575", { $0.notApplicable }),
    ]

    /// The page and its `bars` partial, parsed once (both are constants of this binary).
    static let library: MustacheLibrary = {
        do {
            return MustacheLibrary(templates: [
                "report": try MustacheTemplate(string: BatchReportTemplate.text),
                "bars": try MustacheTemplate(string: BatchReportTemplate.bars),
            ])
        } catch {
            preconditionFailure("the batch report template does not parse: \(error)")
        }
    }()

    static func render(_ stats: BatchStatistics, source: String, seconds: Double, historyNote: String) -> String {
        var values: [String: Any] = [
            "source": source, "claims": stats.claims, "lines": stats.lines, "seconds": String(format: "%.2f", seconds),
            "claimProblemCount": stats.claimProblemCount, "envelopeIssueCount": stats.envelopeIssueCount,
            "historyNote": historyNote,
            "outcomes": outcomeColors.map { ["label": $0.label, "count": $0.value(stats.outcomes)] as [String: Any] },
            "remittedClaims": stats.remittedClaims, "reversals": stats.reversals, "paid": dollars(stats.paidCents),
            "unremitted": stats.unremitted,
            "denials": bars(BatchStatistics.top(stats.denialReasons, 12).map { ("\($0.rule) · CARC \($0.carc ?? "–")", $0.count, $0.message) },
                            color: "#c62828", empty: "No line was denied."),
            "limits": bars(BatchStatistics.top(stats.limitsHit, 12).map { ($0.rule, $0.count, $0.message) },
                           color: "#ef6c00", empty: "No frequency limit or interval was hit."),
        ]
        if let chart = outcomesByPayer(stats.byPayer) { values["payerChart"] = chart }
        if !stats.claimProblems.isEmpty {
            var problems: [String: Any] = ["rows": stats.claimProblems.prefix(500).map {
                ["claim": $0.claimId ?? "–", "segment": $0.segment.map(String.init) ?? "–", "message": $0.message]
            }]
            if stats.claimProblemCount > 500 {
                problems["more"] = ["count": stats.claimProblemCount - 500, "kept": BatchStatistics.keptClaimProblems]
            }
            values["problems"] = problems
        }
        if !stats.envelopeIssues.isEmpty {
            var envelope: [String: Any] = ["issues": stats.envelopeIssues]
            if stats.envelopeIssueCount > stats.envelopeIssues.count {
                envelope["more"] = ["count": stats.envelopeIssueCount - stats.envelopeIssues.count]
            }
            values["envelope"] = envelope
        }
        return library.render(values, withTemplate: "report") ?? ""
    }

    /// One stacked horizontal bar per payer, scaled to the largest payer; nil when there are no claims.
    static func outcomesByPayer(_ byPayer: [String: BatchStatistics.OutcomeCounts]) -> [String: Any]? {
        let payers = byPayer.keys.sorted()
        guard let largest = payers.map({ byPayer[$0]!.total }).max(), largest > 0 else { return nil }
        let labelWidth = 150.0, barWidth = 600.0, rowHeight = 26.0
        let height = Double(payers.count) * rowHeight + 40
        var rows: [[String: Any]] = []
        for (row, payer) in payers.enumerated() {
            let counts = byPayer[payer]!
            let y = Double(row) * rowHeight
            var x = labelWidth
            var segments: [[String: Any]] = []
            for entry in outcomeColors {
                let value = entry.value(counts)
                guard value > 0 else { continue }
                let width = barWidth * Double(value) / Double(largest)
                segments.append(["x": format(x), "y": "\(y + 4)", "width": format(width), "color": entry.color,
                                 "value": value, "label": entry.label])
                x += width
            }
            rows.append(["payer": payer, "textY": "\(y + 17)", "segments": segments, "totalX": format(x + 6), "total": counts.total])
        }
        let legendY = Double(payers.count) * rowHeight + 16
        let legend = outcomeColors.enumerated().map { index, entry -> [String: Any] in
            let x = labelWidth + 110 * Double(index)
            return ["x": format(x), "y": "\(legendY)", "color": entry.color, "textX": format(x + 16), "textY": "\(legendY + 11)",
                    "label": entry.label]
        }
        return ["width": Int(labelWidth + barWidth + 90), "height": Int(height), "payers": rows, "legend": legend]
    }

    /// Horizontal bars with a label and a count each (the `bars` partial's values).
    static func bars(_ rows: [(label: String, count: Int, detail: String)], color: String, empty: String) -> [String: Any] {
        guard let largest = rows.map(\.count).max(), largest > 0 else { return ["rows": [[String: Any]](), "empty": empty] }
        let labelWidth = 330.0, barWidth = 480.0, rowHeight = 24.0
        let bars = rows.enumerated().map { index, row -> [String: Any] in
            let y = Double(index) * rowHeight
            let width = max(1, barWidth * Double(row.count) / Double(largest))
            return ["textY": "\(y + 16)", "label": String(row.label.prefix(48)), "detail": row.detail, "x": "\(labelWidth)",
                    "y": "\(y + 3)", "width": format(width), "countX": format(labelWidth + width + 6), "count": row.count]
        }
        return ["chart": true, "rows": bars, "color": color, "width": Int(labelWidth + barWidth + 80),
                "height": Int(Double(rows.count) * rowHeight + 4), "empty": empty]
    }

    static func dollars(_ cents: Int) -> String { String(format: "$%d.%02d", cents / 100, cents % 100) }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
