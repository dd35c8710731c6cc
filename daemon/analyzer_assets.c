/*
 * analyzer_assets: the analyzer's stylesheet and its optional script, compiled in so the
 * daemon serves them without touching the file system. The page works without the script:
 * it only swaps the report section for a fresh one while a run goes.
 */
#include "analyzer.h"

const char analyzer_css[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1em;"
    "color:#1b1b1b}\n"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin:1.2em 0 .4em}\n"
    "form{border:1px solid #ccc;border-radius:6px;padding:.8em 1em;margin:.8em 0}\n"
    "label{display:inline-block;margin:.2em 1em .2em 0}\n"
    "input[type=text],input[type=email],input[type=password]{width:22em}\n"
    "fieldset{border:0;padding:0;margin:.4em 0}\n"
    ".summary{border-left:6px solid #888;padding:.2em 1em;background:#fafafa}\n"
    ".summary.ok{border-color:#1e7b34}.summary.fail{border-color:#b3261e}\n"
    ".summary.running{border-color:#1a56c4}\n"
    "dl{display:grid;grid-template-columns:12em 1fr;gap:.15em 1em;margin:.4em 0}\n"
    "dt{color:#555}dd{margin:0;overflow-wrap:anywhere}\n"
    "ol.steps{padding-left:2em}ol.steps li{margin:.25em 0}\n"
    "li.ok summary{color:#1e7b34}li.fail summary{color:#b3261e}li.held summary{color:#9a6b00}\n"
    "li.cancelled summary{color:#6b6b6b}li.warn summary{color:#b45309}\n"
    "li.info summary{color:#1a56c4}\n"
    ".method{font-weight:bold}.where{font-family:monospace}.ms{color:#555}\n"
    "svg.journey{max-width:100%;height:auto;border:1px solid #ddd;border-radius:6px}\n"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.3em;"
    "vertical-align:top;text-align:left}\n"
    "tr.ok td:first-child{color:#1e7b34}tr.fail td:first-child{color:#b3261e;font-weight:bold}\n"
    "tr.warn td:first-child{color:#b45309}\n"
    ".error{color:#b3261e;font-weight:bold}\n"
    ".note{color:#555;font-size:.9em}\n";

/* Polls the report fragment while the run goes; reloads once it ended. */
const char analyzer_js[] =
    "(function(){\n"
    "  var root=document.getElementById('report');\n"
    "  if(!root||!root.getAttribute('data-live'))return;\n"
    "  var url=root.getAttribute('data-live');\n"
    "  function tick(){\n"
    "    fetch(url,{credentials:'same-origin',cache:'no-store'}).then(function(r){\n"
    "      var st=r.headers.get('X-Run-State');\n"
    "      return r.text().then(function(t){\n"
    "        root.innerHTML=t;\n"
    "        if(st==='running')setTimeout(tick,400);else location.reload();\n"
    "      });\n"
    "    }).catch(function(){setTimeout(tick,2000);});\n"
    "  }\n"
    "  setTimeout(tick,300);\n"
    "})();\n";
