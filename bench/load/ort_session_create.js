// ONNX Runtime's side of bench/load/load_bench.sh: InferenceSession.create on one thread.
// The first create gives the peak RSS above the process's baseline (node and the ORT module
// loaded); then `runs` creates give the median time. Prints one JSON object.
//   NODE_PATH=.../node_modules node ort_session_create.js MODEL.onnx [runs=5]
const ort = require('onnxruntime-node');

async function main() {
  const [file, runsArg] = process.argv.slice(2);
  const runs = Number(runsArg || 5);
  const options = {intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu']};
  const baseKiB = process.resourceUsage().maxRSS;
  // CPU (user + system, every thread) beside wall time: on a loaded machine wall time is mostly
  // waiting for a core, for either runtime.
  const cpuMs = (from) => {
    const u = process.cpuUsage(from);
    return (u.user + u.system) / 1e3;
  };
  let t = process.hrtime.bigint();
  let c = process.cpuUsage();
  let session = await ort.InferenceSession.create(file, options);
  const firstMs = Number(process.hrtime.bigint() - t) / 1e6;
  const cpus = [cpuMs(c)];
  const peakMiB = (process.resourceUsage().maxRSS - baseKiB) / 1024;
  await session.release();
  const times = [firstMs];
  for (let i = 1; i < runs; ++i) {
    t = process.hrtime.bigint();
    c = process.cpuUsage();
    session = await ort.InferenceSession.create(file, options);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    cpus.push(cpuMs(c));
    await session.release();
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  console.log(JSON.stringify({
    file,
    create_ms_median: +times[Math.floor(times.length / 2)].toFixed(1),
    create_ms_min: +times[0].toFixed(1),
    create_ms: times.map((x) => +x.toFixed(1)),
    cpu_ms_median: +cpus[Math.floor(cpus.length / 2)].toFixed(1),
    peak_rss_above_base_mib: +peakMiB.toFixed(1),
  }));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
