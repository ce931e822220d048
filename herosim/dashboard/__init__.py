"""A local Heroku Dashboard: one page per app with the tabs that apply (Overview, Resources,
Activity, Metrics, Logs, Settings), served on 127.0.0.1 from the package's own assets.

Pieces chosen for page weight and upkeep: the server is the standard library's
ThreadingHTTPServer (no dependency to follow); the charts are ~200 lines of our own SVG
drawing (`assets/charts.js`) instead of a charting library (uPlot ≈ 50 KB, Chart.js ≈ 200 KB,
either a vendored file to keep up to date); live updates are polling plus one EventSource
for the log tail. `data` builds what the page shows, `server` serves it."""
