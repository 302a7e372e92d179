/// The `policies impact` report's mustache template (swift-mustache; `{{…}}` is HTML-escaped, and
/// nothing here uses `{{{…}}}`). Kept in the binary like ``BatchReportTemplate``.
enum ImpactReportTemplate {
    static let text = #"""
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Policy impact: {{old}} → {{new}}</title>
<style>
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2933; background: #f4f6f8; }
header { background: #102a43; color: #fff; padding: 22px 40px 18px; }
header h1 { margin: 0 0 4px; font-size: 1.45em; font-weight: 600; } header p { margin: 0; color: #bcccdc; }
main { max-width: 1040px; margin: 0 auto; padding: 20px 40px 40px; }
section { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 14px 22px 18px; margin-top: 18px; }
h2 { font-size: 1.1em; margin: 0 0 10px; color: #243b53; }
.cards { display: flex; gap: 14px; margin-top: 4px; }
.card { flex: 1; background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px 16px; }
.card .n { font-size: 1.7em; font-weight: 600; color: #102a43; } .card .l { color: #627d98; font-size: .9em; }
table { border-collapse: collapse; width: 100%; } td, th { padding: 5px 10px; text-align: left; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f0f4f8; color: #486581; font-weight: 600; font-size: .9em; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } .note { color: #627d98; }
.pill { display: inline-block; padding: 0 8px; border-radius: 9px; color: #fff; font-size: .85em; white-space: nowrap; }
.rule { font-family: ui-monospace, Menlo, monospace; font-size: .85em; } .gone { color: #8d2b0b; } .raised { color: #0b6e4f; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 5px -1px 14px; border-radius: 2px; }
.two { display: flex; gap: 18px; } .two > div { flex: 1; }
svg text { font: 12px system-ui, sans-serif; fill: #334e68; }
</style></head><body>
<header><h1>Policy impact: {{old}} → {{new}}</h1>
<p>{{file}} · each claim decided under both policies at the claim stage; the rest of the policy library unchanged</p></header>
<main>
<div class="cards"><div class="card"><div class="n">{{claims}}</div><div class="l">claims decided under each policy</div></div>
<div class="card"><div class="n">{{movedCount}}</div><div class="l">claims whose outcome or CARCs change ({{movedShare}} %)</div></div>
<div class="card"><div class="n">{{unchanged}}</div><div class="l">claims unchanged</div></div>
<div class="card"><div class="n">{{notAdjudicated}}</div><div class="l">claims not adjudicated (malformed)</div></div></div>
{{#replayed}}<p class="note">{{replayed}} claims were already recorded in the history given and replay their recorded determination under both policies.</p>{{/replayed}}
<section><h2>Outcomes</h2><p class="legend">claims<span style="background:{{oldColor}}"></span>under {{old}}<span style="background:{{newColor}}"></span>under {{new}}</p>
<div class="two"><div>{{#outcomeChart}}{{>pairs}}{{/outcomeChart}}</div></div>
<table><tr><th>outcome</th><th class="n">{{old}}</th><th class="n">{{new}}</th><th class="n">change</th></tr>{{#outcomeRows}}<tr><td>{{label}}</td><td class="n">{{old}}</td><td class="n">{{new}}</td><td class="n">{{change}}</td></tr>{{/outcomeRows}}</table></section>
<section><h2>Claims by adjustment reason (CARC)</h2><p class="legend">claims carrying the CARC<span style="background:{{oldColor}}"></span>under {{old}}<span style="background:{{newColor}}"></span>under {{new}}</p>
{{#carcChart}}{{>pairs}}{{/carcChart}}
{{^carcRows}}<p>No claim carries a CARC under either policy.</p>{{/carcRows}}{{#hasCarcs}}<table><tr><th>CARC</th><th>description</th><th class="n">{{old}}</th><th class="n">{{new}}</th><th class="n">change</th></tr>{{/hasCarcs}}{{#carcRows}}<tr><td>{{carc}}</td><td>{{text}}</td><td class="n">{{old}}</td><td class="n">{{new}}</td><td class="n">{{change}}</td></tr>{{/carcRows}}{{#hasCarcs}}</table>{{/hasCarcs}}</section>
<section><h2>What moved, and why</h2>
{{^transitions}}<p>No claim changes outcome or CARCs.</p>{{/transitions}}{{#hasTransitions}}<table><tr><th>from</th><th>to</th><th class="n">claims</th><th>rules (<span class="gone">− reason gone</span>, <span class="raised">+ new reason</span>; claims)</th></tr>{{/hasTransitions}}{{#transitions}}<tr><td><span class="pill" style="background:{{from.color}}">{{from.label}}</span></td><td>{{#same}}same outcome, CARCs changed{{/same}}{{^same}}<span class="pill" style="background:{{to.color}}">{{to.label}}</span>{{/same}}</td><td class="n">{{claims}}</td><td>{{#rules}}<div class="rule {{#gone}}gone{{/gone}}{{^gone}}raised{{/gone}}">{{#gone}}−{{/gone}}{{^gone}}+{{/gone}} {{rule}} ({{count}})</div>{{/rules}}</td></tr>{{/transitions}}{{#hasTransitions}}</table>{{/hasTransitions}}</section>
{{#hasMoved}}<section><h2>Claims that moved</h2>
<table><tr><th>claim</th><th>payer</th><th>under {{old}}</th><th>under {{new}}</th><th>rules</th></tr>{{/hasMoved}}{{#moved}}<tr><td>{{claim}}</td><td>{{payer}}</td><td><span class="pill" style="background:{{old.color}}">{{old.label}}</span> {{oldCarcs}}<div class="note rule">{{oldPolicy}}</div></td><td><span class="pill" style="background:{{new.color}}">{{new.label}}</span> {{newCarcs}}<div class="note rule">{{newPolicy}}</div></td><td>{{#cleared}}<div class="rule gone">− {{.}}</div>{{/cleared}}{{#raised}}<div class="rule raised">+ {{.}}</div>{{/raised}}</td></tr>{{/moved}}{{#hasMoved}}</table>{{#more}}<p class="note">… and {{count}} more (the first {{kept}} are listed; --json lists all).</p>{{/more}}</section>{{/hasMoved}}
</main></body></html>

"""#

    /// Two bars per row, the old policy's above the new one's, each with its count.
    static let pairedBars = #"""
{{^rows}}<p>{{empty}}</p>
{{/rows}}{{#chart}}<svg width="{{width}}" height="{{height}}" role="img">{{#rows}}<text x="0" y="{{textY}}">{{label}}<title>{{detail}}</title></text><rect x="{{x}}" y="{{oldY}}" width="{{oldWidth}}" height="14" rx="2" fill="{{oldColor}}"><title>{{detail}}: {{oldCount}}</title></rect><text x="{{oldCountX}}" y="{{oldTextY}}">{{oldCount}}</text><rect x="{{x}}" y="{{newY}}" width="{{newWidth}}" height="14" rx="2" fill="{{newColor}}"><title>{{detail}}: {{newCount}}</title></rect><text x="{{newCountX}}" y="{{newTextY}}">{{newCount}}</text><line x1="0" x2="{{width}}" y1="{{gridY}}" y2="{{gridY}}" stroke="#eef2f6"/>{{/rows}}</svg>
{{/chart}}
"""#
}
