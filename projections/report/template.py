"""The page around the report: one HTML file with its style inline — no script, no link out."""

from __future__ import annotations

from string import Template

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="beneficiary-ledger report">
<title>$title</title>
<style>
$style
</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="subtitle">$subtitle</p>
</header>
<main>
$body
</main>
<footer>
<p>$footer</p>
</footer>
</body>
</html>
""")

STYLE = """
:root { color-scheme: light; --ink: #1f2933; --muted: #5b6670; --rule: #d9dee3;
        --ok: #1a7f37; --bad: #cf222e; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans",
       "Liberation Sans", sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 940px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; border-bottom: 3px solid var(--ink); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--rule);
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.subtitle, .note, footer { color: var(--muted); }
.subtitle { margin: 0 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr));
         gap: 10px; margin: 10px 0 4px; }
.card { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px;
        padding: 10px 12px; }
.card .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; margin: 8px 0 4px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left; }
td { white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.n, th.n { text-align: right; }
.chart { display: block; max-width: 100%; height: auto; margin: 6px 0; }
.integrity { border-radius: 6px; padding: 10px 14px; margin: 8px 0; border: 1px solid; }
.integrity.ok { border-color: var(--ok); background: #dafbe1; }
.integrity.bad { border-color: var(--bad); background: #ffebe9; }
.integrity.unknown { border-color: var(--rule); background: var(--panel); }
.status { margin: 12px 0 0; padding: 6px 12px; border-radius: 6px; border-left: 6px solid; }
.status.ok { border-color: var(--ok); background: #dafbe1; }
.status.bad { border-color: var(--bad); background: #ffebe9; }
.status.unknown { border-color: var(--rule); background: var(--panel); }
.digest { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px;
          overflow-wrap: anywhere; }
section.programme { break-inside: avoid-page; }
@media print { header, main, footer { max-width: none; } h2 { break-after: avoid; } }
"""
