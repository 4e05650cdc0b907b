import { escapeHtml } from '../serve/dashboard.js';
import { chartJsSource } from './chart-library.js';
import type { ReportData } from './report-data.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`);

/** Renders the comparison as one self-contained HTML page (Chart.js inlined, data embedded). */
export async function renderReport(data: ReportData): Promise<string> {
  const library = await chartJsSource();
  const chartData = {
    names: data.scores.map((s) => s.name),
    hitRate: data.scores.map((s) => 100 * s.hitRate),
    wrongHitRate: data.scores.map((s) => 100 * s.wrongHitRate),
    precision: data.scores.map((s) => 100 * s.precision),
    sweep: data.sweep,
    cdf: data.scores.map((s) => ({ name: s.name, points: cdf(s.latencies) })),
  };
  const json = JSON.stringify(chartData).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1240px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555;margin-bottom:12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #ddd;padding:5px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
.tables{display:grid;grid-template-columns:1fr;gap:12px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:20px}
.chart{border:1px solid #e3e3e3;border-radius:6px;padding:10px;height:340px;position:relative}
.wide{grid-column:1/3}
ul.notes{color:#444;font-size:13px}.bad{color:#c92a2a;font-weight:600}
</style></head><body>
<h1>${escapeHtml(data.title)}</h1>
<div class="meta">Workload <b>${escapeHtml(data.workload.name)}</b>: ${data.workload.requests} requests${
    data.workload.labeled
      ? ` from ${data.workload.pairs} labeled pairs`
      : ' (unlabeled: right and wrong hits cannot be told apart)'
  } · source: ${escapeHtml(data.workload.source)} · generated ${escapeHtml(data.generatedAt)}</div>
<h2>Figures per configuration</h2>
${figuresTable(data)}
${skippedList(data)}
<h2>Charts</h2>
<div class="charts">
<div class="chart"><canvas id="hits"></canvas></div>
<div class="chart"><canvas id="sweep"></canvas></div>
<div class="chart wide"><canvas id="latency"></canvas></div>
</div>
<h2>Notes</h2>
<ul class="notes">${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}${
    data.sweepSetup ? `<li>Threshold sweep: ${escapeHtml(data.sweepSetup)}</li>` : ''
  }</ul>
<script>${library}</script>
<script>
const D=${json};
Chart.defaults.animation=false;Chart.defaults.font.size=12;
const palette=['#868e96','#2f9e44','#e8590c','#f08c00','#fab005','#1971c2','#7048e8','#c2255c','#0c8599','#5c940d','#862e9c'];
new Chart(document.getElementById('hits'),{type:'bar',data:{labels:D.names,datasets:[
 {label:'hit rate %',data:D.hitRate,backgroundColor:'#1971c2'},
 {label:'wrong-hit rate % (hits on non-duplicate pairs)',data:D.wrongHitRate,backgroundColor:'#e03131'},
 {label:'precision % (right hits / hits)',data:D.precision,backgroundColor:'#2f9e44'}]},
 options:{maintainAspectRatio:false,plugins:{title:{display:true,text:'Hit rate against wrong hits'}},
 scales:{y:{min:0,max:100,title:{display:true,text:'%'}},x:{ticks:{autoSkip:false,maxRotation:40,minRotation:40}}}}});
new Chart(document.getElementById('sweep'),{type:'line',data:{labels:D.sweep.map(p=>p.threshold.toFixed(2)),datasets:[
 {label:'precision, threshold only',data:D.sweep.map(p=>100*p.plain.precision),borderColor:'#2f9e44',borderDash:[5,4],pointRadius:0},
 {label:'recall, threshold only',data:D.sweep.map(p=>100*p.plain.recall),borderColor:'#1971c2',borderDash:[5,4],pointRadius:0},
 {label:'precision, with guard',data:D.sweep.map(p=>100*p.guarded.precision),borderColor:'#2f9e44',pointRadius:0},
 {label:'recall, with guard',data:D.sweep.map(p=>100*p.guarded.recall),borderColor:'#1971c2',pointRadius:0}]},
 options:{maintainAspectRatio:false,plugins:{title:{display:true,text:D.sweep.length?'Threshold sweep: precision and recall':'Threshold sweep (needs a labeled workload)'}},
 scales:{y:{min:0,max:100,title:{display:true,text:'%'}},x:{title:{display:true,text:'cosine similarity threshold'},ticks:{maxTicksLimit:12}}}}});
const sets=D.cdf.map((c,i)=>({label:c.name,data:c.points,borderColor:palette[i%palette.length],pointRadius:0,showLine:true,borderWidth:2}));
new Chart(document.getElementById('latency'),{type:'scatter',data:{datasets:sets},
 options:{maintainAspectRatio:false,plugins:{title:{display:true,text:'Latency distribution per configuration (cumulative; model time simulated, see notes)'}},
 scales:{x:{type:'logarithmic',title:{display:true,text:'latency, ms (log scale)'},
 ticks:{autoSkip:false,maxRotation:0,callback:(v)=>{const d=Math.pow(10,Math.floor(Math.log10(v)));const m=Math.round(v/d);return (m===1||m===3)&&Math.abs(v-m*d)<d*1e-6?String(+v.toPrecision(3)):'';}}},y:{min:0,max:100,title:{display:true,text:'% of requests at or below'}}}}});
</script></body></html>`;
}

function figuresTable(data: ReportData): string {
  const cell = (v: string, bad = false) => `<td${bad ? ' class="bad"' : ''}>${v}</td>`;
  const quality = data.scores
    .map(
      (s) =>
        `<tr><td><b>${escapeHtml(s.name)}</b></td>${cell(pct(s.hitRate))}${cell(String(s.bySource.exact))}${cell(
          String(s.bySource.semantic),
        )}${cell(String(s.bySource.model))}${cell(String(s.bySource.bypass))}${cell(String(s.wrongHits), s.wrongHits > 0)}${cell(
          pct(s.wrongHitRate),
          s.wrongHitRate > 0.05,
        )}${cell(pct(s.precision))}${cell(pct(s.recall))}</tr>`,
    )
    .join('\n');
  const savings = data.scores
    .map(
      (s) =>
        `<tr><td><b>${escapeHtml(s.name)}</b></td>${cell(String(s.modelCalls))}${cell(String(s.callsSaved))}${cell(
          `$${s.costSaved.toFixed(5)}`,
        )}${cell(`${(s.timeSavedMs / 1000).toFixed(1)} s`)}${cell(ms(s.latency.p50))}${cell(ms(s.latency.uncachedP50))}${cell(
          ms(s.latency.p99),
        )}${cell(ms(s.latency.uncachedP99))}</tr>`,
    )
    .join('\n');
  const described = data.scores
    .map((s) => `<li><b>${escapeHtml(s.name)}</b>: ${escapeHtml(s.description)}</li>`)
    .join('');
  return `<div class="tables"><table><thead><tr><th>configuration</th><th>hit rate</th><th>exact</th><th>semantic</th><th>model</th><th>bypass</th>
<th>wrong hits</th><th>wrong-hit rate</th><th>precision</th><th>recall</th></tr></thead><tbody>${quality}</tbody></table>
<table><thead><tr><th>configuration</th><th>model calls</th><th>calls saved</th><th>cost saved</th><th>time saved</th>
<th>p50</th><th>p50 no cache</th><th>p99</th><th>p99 no cache</th></tr></thead><tbody>${savings}</tbody></table></div>
<ul class="notes">${described}</ul>`;
}

function skippedList(data: ReportData): string {
  if (data.skipped.length === 0) return '';
  return `<p><b>Not run here:</b></p><ul class="notes">${data.skipped
    .map((s) => `<li>${escapeHtml(s.name)}: ${escapeHtml(s.reason)}</li>`)
    .join('')}</ul>`;
}

/** Cumulative distribution as chart points, thinned to at most ~200 points. */
function cdf(values: readonly number[]): { x: number; y: number }[] {
  const sorted = [...values].sort((a, b) => a - b).map((v) => Math.max(v, 0.01));
  const step = Math.max(1, Math.floor(sorted.length / 200));
  const points: { x: number; y: number }[] = [];
  for (let i = 0; i < sorted.length; i += step) {
    points.push({ x: sorted[i] as number, y: (100 * (i + 1)) / sorted.length });
  }
  if (sorted.length > 0) points.push({ x: sorted.at(-1) as number, y: 100 });
  return points;
}
