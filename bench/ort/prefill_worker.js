// ONNX Runtime (onnxruntime-node, CPU EP) side of bench/gpt2_prefill_vs_ort.py: one session
// on THREADS intra-op threads, prefill (seq 128, empty cache) inputs from the reference folder.
// Prints one JSON line when ready (with its error against the PyTorch reference), then for each
// line "N" on stdin runs N prefills and prints their times in ms as one JSON line.
// SPIN 0 makes idle intra-op threads block at once instead of spinning first.
//   NODE_PATH=.../node_modules node prefill_worker.js MODEL.onnx REFDIR LAYERS THREADS [SPIN=1]
const ort = require('onnxruntime-node');
const fs = require('fs');
const path = require('path');
const readline = require('readline');

function loadBin(file, shape) {
  const buf = fs.readFileSync(file);
  const n = shape.reduce((a, b) => a * b, 1);
  const arr = new Float32Array(n);
  if (n > 0) arr.set(new Float32Array(buf.buffer, buf.byteOffset, n));
  return new ort.Tensor('float32', arr, shape);
}

async function main() {
  const [model, refdir, layers, threads, spin] = process.argv.slice(2);
  const sess = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], intraOpNumThreads: parseInt(threads), interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: spin === '0' ? '0' : '1' } } } });
  const meta = JSON.parse(fs.readFileSync(path.join(refdir, `ref_L${layers}.json`)))['prefill_s128'];
  const feeds = { x: loadBin(path.join(refdir, meta.x.file), meta.x.shape),
                  past: loadBin(path.join(refdir, meta.past.file), meta.past.shape) };
  const want = loadBin(path.join(refdir, meta.y.file), meta.y.shape).data;
  const got = (await sess.run(feeds)).y.data;
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  console.log(JSON.stringify({ ready: true, version: ort.env.versions.common, max_abs_err_y: err }));
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const n = parseInt(line);
    if (!(n > 0)) break;
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await sess.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    console.log(JSON.stringify(ms));
  }
}
main().catch(e => { console.error('ORT worker failed:', e); process.exit(1); });
