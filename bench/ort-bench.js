// SPDX-License-Identifier: MIT
// ONNX Runtime's CPU latency for B4 (bench/run-bench.sh):
//   node bench/ort-bench.js NODE_MODULES MODEL.onnx INPUT.bin DIMS [MIN_SECONDS]
// DIMS is the input shape, e.g. 1x1x28x28. The input is float32. One
// intra-op thread, like the simulator's one thread (threads=1). Prints one
// JSON object: {"ort_ms": median, "runs": N, "version": ...}.
'use strict';
const path = require('path');
const fs = require('fs');

async function main() {
	const [mods, model, input, dimsArg, minArg] = process.argv.slice(2);
	if (!dimsArg) {
		console.error('usage: node ort-bench.js NODE_MODULES MODEL.onnx INPUT.bin DIMS [MIN_SECONDS]');
		process.exit(2);
	}
	const ort = require(path.join(path.resolve(mods), 'onnxruntime-node'));
	const dims = dimsArg.split('x').map(Number);
	const n = dims.reduce((a, b) => a * b, 1);
	const buf = fs.readFileSync(input);
	if (buf.length !== 4 * n)
		throw new Error(`${input}: ${buf.length} bytes, expected ${4 * n} for ${dimsArg} float32`);
	const x = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
	const sess = await ort.InferenceSession.create(model, {
		executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1,
		graphOptimizationLevel: 'all',
	});
	const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x, dims) };
	await sess.run(feeds);		// warm-up
	const minSec = Number(minArg || 3);
	const t = [];
	const t0 = process.hrtime.bigint();
	while (t.length < 5 || Number(process.hrtime.bigint() - t0) / 1e9 < minSec) {
		const a = process.hrtime.bigint();
		await sess.run(feeds);
		t.push(Number(process.hrtime.bigint() - a) / 1e6);
	}
	t.sort((a, b) => a - b);
	const med = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
	const ver = require(path.join(path.resolve(mods), 'onnxruntime-node', 'package.json')).version;
	console.log(JSON.stringify({ ort_ms: med, runs: t.length, version: ver }));
}

main().catch((e) => { console.error(`ort-bench: ${e.message}`); process.exit(1); });
