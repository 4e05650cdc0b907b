/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A small self-contained live dashboard that polls `/cache/stats` every two seconds. The page
 * holds no data: it asks for the admin token once (kept in the tab's sessionStorage) and sends
 * it with each poll, so the stats stay behind the admin token.
 */
export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LLM cache</title>
<style>
body{font:15px system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1{font-size:1.4rem;margin:0 0 .3rem}.sub{color:#666;margin-bottom:1.5rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px}
.card b{display:block;font-size:1.6rem;margin-top:4px}
table{border-collapse:collapse;margin-top:1.5rem;background:#fff}
td,th{border:1px solid #ddd;padding:6px 12px;text-align:right}th{background:#f0f0f0}
.bar{height:18px;background:#e8e8e8;border-radius:4px;overflow:hidden;display:flex;margin-top:1.5rem;max-width:700px}
.bar span{display:block;height:100%}
.legend{margin-top:6px;color:#555;font-size:13px}.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;border-radius:2px}
</style></head><body>
<h1>Semantic LLM cache</h1>
<div class="sub"><span id="backends"></span> · refreshed every 2 s · <span id="status">loading…</span></div>
<div class="grid" id="cards"></div>
<div class="bar" id="bar" title="answers by source"></div>
<div class="legend" id="legend"></div>
<table><thead><tr><th>source</th><th>answers</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody id="lat"></tbody></table>
<script>
const colors={exact:'#2b8a3e',semantic:'#1971c2',model:'#e8590c',bypass:'#868e96'};
function card(label,value){return '<div class="card">'+label+'<b>'+value+'</b></div>'}
async function tick(){
  try{
    let token=sessionStorage.getItem('cacheAdminToken');
    if(!token){token=prompt('Admin token (CACHE_ADMIN_TOKEN)')||'';sessionStorage.setItem('cacheAdminToken',token)}
    const r=await fetch('/cache/stats',{headers:{authorization:'Bearer '+token}});
    if(r.status===401||r.status===403){sessionStorage.removeItem('cacheAdminToken');throw new Error((await r.json()).error.message)}
    const s=await r.json();
    document.getElementById('backends').textContent=s.backends;
    const total=Object.values(s.bySource).reduce((a,b)=>a+b,0)||1;
    const errors=Object.values(s.errors||{}).reduce((a,b)=>a+b,0);
    document.getElementById('cards').innerHTML=[
      card('hit rate',(100*s.hitRate).toFixed(1)+' %'),card('exact hits',s.bySource.exact),
      card('semantic hits',s.bySource.semantic),card('model calls',s.modelCalls),
      card('bypassed',s.bySource.bypass),card('tokens saved',s.tokensSaved),
      card('cost saved','$'+s.costSaved.toFixed(6)),card('wrong hits reported',s.wrongHits),
      card('guard rejections',s.guardRejections),card('store errors',errors)].join('');
    document.getElementById('bar').innerHTML=Object.entries(s.bySource).map(([k,v])=>
      '<span title="'+k+': '+v+'" style="width:'+(100*v/total)+'%;background:'+colors[k]+'"></span>').join('');
    document.getElementById('legend').innerHTML=Object.entries(s.bySource).map(([k,v])=>
      '<i style="background:'+colors[k]+'"></i>'+k+' '+v).join('');
    document.getElementById('lat').innerHTML=Object.entries(s.latency).map(([k,l])=>
      '<tr><th>'+k+'</th><td>'+l.count+'</td><td>'+l.p50Ms.toFixed(2)+'</td><td>'+l.p99Ms.toFixed(2)+'</td></tr>').join('');
    document.getElementById('status').textContent='up '+s.uptimeSeconds+' s';
  }catch(e){document.getElementById('status').textContent='stats unavailable: '+e}
}
tick();setInterval(tick,2000);
</script></body></html>`;
}
