import { projectFunctions } from "../tests/support/functionLength";
const all = projectFunctions();
console.log("functions", all.length, "ts", all.filter(f=>f.file.endsWith(".ts")).length);
for (const f of all.sort((a,b)=>b.lines-a.lines).slice(0,12)) console.log(f.lines, `${f.file}:${f.line}`, f.name);
for (const f of all.filter(f=>!f.file.endsWith(".ts")).sort((a,b)=>b.lines-a.lines).slice(0,8)) console.log(f.lines, `${f.file}:${f.line}`, f.name);
