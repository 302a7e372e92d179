/// The batch report's mustache template (swift-mustache; `{{…}}` is HTML-escaped, and nothing here
/// uses `{{{…}}}`). Kept in the binary, not as a resource, so that a copied `medpolicy` still writes
/// reports. Line breaks are the page's own: tags share lines with text so none is dropped.
enum BatchReportTemplate {
    static let text = #"""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>medpolicy batch report: {{source}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } .note { color: #555; }
svg text { font: 12px system-ui, sans-serif; }
</style></head><body>
<h1>medpolicy batch report</h1>
<p>{{source}}: {{claims}} claims, {{lines}} service lines adjudicated in {{seconds}} s;
{{claimProblemCount}} claims not adjudicated; {{envelopeIssueCount}} envelope issues.</p>
<p class="note">{{historyNote}}</p>
<table><tr><th>outcome</th><th>claims</th></tr>{{#outcomes}}<tr><td>{{label}}</td><td class="n">{{count}}</td></tr>{{/outcomes}}</table>
<p>835: {{remittedClaims}} claims remitted with {{reversals}} reversals of earlier payments, {{paid}} paid; {{unremitted}} claims not in the 835 (pended, not adjudicated, or voids with no payment to reverse).</p>
<h2>Outcomes by payer</h2>
{{^payerChart}}<p>No claims.</p>{{/payerChart}}{{#payerChart}}<svg width="{{width}}" height="{{height}}" role="img" aria-label="outcomes by payer">{{#payers}}<text x="0" y="{{textY}}">{{payer}}</text>{{#segments}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="18" fill="{{color}}"><title>{{payer}}: {{value}} {{label}}</title></rect>{{/segments}}<text x="{{totalX}}" y="{{textY}}">{{total}}</text>{{/payers}}{{#legend}}<rect x="{{x}}" y="{{y}}" width="12" height="12" fill="{{color}}"/><text x="{{textX}}" y="{{textY}}">{{label}}</text>{{/legend}}</svg>
{{/payerChart}}<h2>Top denial reasons (denied lines)</h2>
{{#denials}}{{>bars}}{{/denials}}<h2>Frequency limits and intervals hit (lines)</h2>
{{#limits}}{{>bars}}{{/limits}}{{#problems}}<h2>Claims not adjudicated</h2>
<table><tr><th>claim</th><th>segment</th><th>problem</th></tr>{{#rows}}<tr><td>{{claim}}</td><td class="n">{{segment}}</td><td>{{message}}</td></tr>{{/rows}}</table>{{#more}}<p class="note">… and {{count}} more (the first {{kept}} are in --json).</p>{{/more}}{{/problems}}{{#envelope}}<h2>Envelope issues</h2>
<ul>{{#issues}}<li>{{.}}</li>{{/issues}}</ul>{{#more}}<p class="note">… and {{count}} more.</p>{{/more}}{{/envelope}}
</body></html>

"""#

    /// Horizontal bars with a label and a count each, or the sentence saying there are none.
    static let bars = #"""
{{^rows}}<p>{{empty}}</p>
{{/rows}}{{#chart}}<svg width="{{width}}" height="{{height}}" role="img">{{#rows}}<text x="0" y="{{textY}}">{{label}}<title>{{detail}}</title></text><rect x="{{x}}" y="{{y}}" width="{{width}}" height="17" fill="{{color}}"><title>{{detail}}</title></rect><text x="{{countX}}" y="{{textY}}">{{count}}</text>{{/rows}}</svg>
{{/chart}}
"""#
}
