#!/usr/bin/python3
"""Generates the ONNX test models in tests/data/onnx and their reference inputs/outputs.

Run with Debian's python (python3-torch 1.13, python3-onnx 1.12):
    /usr/bin/python3 scripts/generate_onnx_models.py
Nothing is downloaded: the tiny GPT-2-, BERT- and Llama-style models are written here in torch
(following the structure of the Hugging Face implementations) with seeded random weights and
exported by torch.onnx.export, unedited. Models torch 1.13 cannot emit (opset 18 forms,
MatMulInteger) are written with onnx.helper and checked against numpy.

Layout: tests/data/onnx/<model>.onnx, and one folder per test case
tests/data/onnx/cases/<case>/ holding model.txt (the model file name), in_<k>_<name>.npy and
out_<k>_<name>.npy (k orders them as the model's inputs/outputs).
"""
import math
import os
import shutil

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")


def save_case(case, model_file, inputs, outputs):
    """inputs/outputs: lists of (name, np.ndarray)."""
    d = os.path.join(ROOT, "cases", case)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.txt"), "w") as f:
        f.write(model_file + "\n")
    for k, (name, a) in enumerate(inputs):
        np.save(os.path.join(d, f"in_{k}_{name}.npy"), np.ascontiguousarray(a))
    for k, (name, a) in enumerate(outputs):
        np.save(os.path.join(d, f"out_{k}_{name}.npy"), np.ascontiguousarray(a))


def export(model, args, path, input_names, output_names, dynamic_axes, opset):
    model.eval()
    torch.onnx.export(model, args, os.path.join(ROOT, path), input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes,
                      opset_version=opset, do_constant_folding=True)


# ---------------------------------------------------------------- GPT-2 (HF GPT2Model layout)
class Conv1D(nn.Module):
    """GPT-2's transposed linear layer: exported as Gemm (addmm) on the flattened rows."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.randn(nx, nf) * 0.1)
        self.bias = nn.Parameter(torch.randn(nf) * 0.1)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class NewGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) *
                                           (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, e, h, max_pos):
        super().__init__()
        self.e, self.h, self.d = e, h, e // h
        self.register_buffer("bias", torch.tril(torch.ones(max_pos, max_pos, dtype=torch.bool))
                             .view(1, 1, max_pos, max_pos))
        self.c_attn = Conv1D(3 * e, e)
        self.c_proj = Conv1D(e, e)

    def split_heads(self, x):
        return x.view(x.size()[:-1] + (self.h, self.d)).permute(0, 2, 1, 3)

    def forward(self, x, past_k, past_v):
        q, k, v = self.c_attn(x).split(self.e, dim=2)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        k = torch.cat((past_k, k), dim=-2)
        v = torch.cat((past_v, v), dim=-2)
        w = torch.matmul(q, k.transpose(-1, -2))
        w = w / torch.full([], v.size(-1) ** 0.5, dtype=w.dtype)
        s, t = q.size(-2), k.size(-2)
        causal = self.bias[:, :, t - s:t, :t]
        mask_value = torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype)
        w = torch.where(causal, w, mask_value)
        w = F.softmax(w, dim=-1)
        o = torch.matmul(w, v).permute(0, 2, 1, 3).contiguous()
        o = o.view(o.size()[:-2] + (self.e,))
        return self.c_proj(o), k, v


class GPT2Block(nn.Module):
    def __init__(self, e, h, max_pos):
        super().__init__()
        self.ln_1 = nn.LayerNorm(e, eps=1e-5)
        self.attn = GPT2Attention(e, h, max_pos)
        self.ln_2 = nn.LayerNorm(e, eps=1e-5)
        self.c_fc = Conv1D(4 * e, e)
        self.act = NewGELU()
        self.mlp_proj = Conv1D(e, 4 * e)

    def forward(self, x, pk, pv):
        a, k, v = self.attn(self.ln_1(x), pk, pv)
        x = x + a
        x = x + self.mlp_proj(self.act(self.c_fc(self.ln_2(x))))
        return x, k, v


class GPT2(nn.Module):
    def __init__(self, vocab=96, e=32, h=4, layers=2, max_pos=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, e)
        self.wpe = nn.Embedding(max_pos, e)
        self.blocks = nn.ModuleList([GPT2Block(e, h, max_pos) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(e, eps=1e-5)
        with torch.no_grad():
            for ln in [self.ln_f] + [b.ln_1 for b in self.blocks] + [b.ln_2 for b in self.blocks]:
                ln.weight.add_(torch.randn_like(ln.weight) * 0.1)
                ln.bias.add_(torch.randn_like(ln.bias) * 0.1)

    def forward(self, input_ids, *past):
        p = past[0].size(-2)
        pos = torch.arange(p, p + input_ids.size(-1), dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        presents = []
        for i, b in enumerate(self.blocks):
            x, k, v = b(x, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        x = self.ln_f(x)
        logits = torch.matmul(x, self.wte.weight.t())  # tied lm head
        return (logits, *presents)


def gpt2_cases():
    torch.manual_seed(1)
    m = GPT2().eval()
    layers, h, d = 2, 4, 8
    names_in = ["input_ids"] + [f"past_{kv}_{i}" for i in range(layers) for kv in ("key", "value")]
    names_out = ["logits"] + [f"present_{kv}_{i}" for i in range(layers)
                              for kv in ("key", "value")]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    for n in names_in[1:]:
        dyn[n] = {0: "batch", 2: "past_seq"}
    for n in names_out[1:]:
        dyn[n] = {0: "batch", 2: "total_seq"}

    def run(ids, past, case, model_file):
        with torch.no_grad():
            outs = m(ids, *past)
        save_case(case, model_file, list(zip(names_in, [ids.numpy()] + [t.numpy() for t in past])),
                  list(zip(names_out, [t.numpy() for t in outs])))
        return outs

    dummy_ids = torch.randint(0, 96, (2, 4))
    dummy_past = [torch.randn(2, h, 3, d) for _ in range(2 * layers)]
    for opset in (14, 17):
        f = f"gpt2_opset{opset}.onnx"
        export(m, (dummy_ids, *dummy_past), f, names_in, names_out, dyn, opset)
    # Prefill with an empty cache (zero-length past), then one decode step on its presents.
    ids = torch.randint(0, 96, (2, 5))
    empty = [torch.zeros(2, h, 0, d) for _ in range(2 * layers)]
    outs = run(ids, empty, "gpt2_prefill", "gpt2_opset14.onnx")
    nxt = torch.randint(0, 96, (2, 1))
    run(nxt, list(outs[1:]), "gpt2_decode", "gpt2_opset14.onnx")
    run(torch.randint(0, 96, (1, 7)), [torch.randn(1, h, 4, d) for _ in range(2 * layers)],
        "gpt2_opset17_chunk", "gpt2_opset17.onnx")


# ---------------------------------------------------------------- BERT (HF BertModel layout)
class BertLayer(nn.Module):
    def __init__(self, e, h, inter):
        super().__init__()
        self.h, self.d = h, e // h
        self.query, self.key, self.value = nn.Linear(e, e), nn.Linear(e, e), nn.Linear(e, e)
        self.attn_out = nn.Linear(e, e)
        self.ln1 = nn.LayerNorm(e, eps=1e-12)
        self.inter = nn.Linear(e, inter)
        self.out = nn.Linear(inter, e)
        self.ln2 = nn.LayerNorm(e, eps=1e-12)

    def heads(self, x):
        return x.view(x.size()[:-1] + (self.h, self.d)).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d)
        s = s + ext_mask
        p = nn.functional.softmax(s, dim=-1)
        c = torch.matmul(p, v).permute(0, 2, 1, 3).contiguous()
        c = c.view(c.size()[:-2] + (self.h * self.d,))
        x = self.ln1(self.attn_out(c) + x)
        return self.ln2(self.out(F.gelu(self.inter(x))) + x)


class Bert(nn.Module):
    def __init__(self, vocab=96, e=32, h=4, layers=2, inter=64, max_pos=64):
        super().__init__()
        self.word = nn.Embedding(vocab, e)
        self.pos = nn.Embedding(max_pos, e)
        self.tok = nn.Embedding(2, e)
        self.ln = nn.LayerNorm(e, eps=1e-12)
        self.register_buffer("position_ids", torch.arange(max_pos).expand((1, -1)))
        self.layers = nn.ModuleList([BertLayer(e, h, inter) for _ in range(layers)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.size(1)
        x = self.word(input_ids) + self.tok(token_type_ids) + self.pos(self.position_ids[:, :s])
        x = self.ln(x)
        ext = attention_mask[:, None, None, :].to(torch.float32)
        ext = (1.0 - ext) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, ext)
        return x


def bert_cases():
    torch.manual_seed(2)
    m = Bert().eval()
    names_in = ["input_ids", "attention_mask", "token_type_ids"]
    dyn = {n: {0: "batch", 1: "seq"} for n in names_in}
    dyn["last_hidden_state"] = {0: "batch", 1: "seq"}
    ids = torch.randint(0, 96, (2, 6))
    mask = torch.ones(2, 6, dtype=torch.long)
    tt = torch.zeros(2, 6, dtype=torch.long)
    export(m, (ids, mask, tt), "bert_opset17.onnx", names_in, ["last_hidden_state"], dyn, 17)
    ids = torch.randint(0, 96, (3, 7))
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[1, 5:] = 0  # right padding
    mask[2, 3:] = 0
    tt = torch.zeros(3, 7, dtype=torch.long)
    tt[:, 4:] = 1
    with torch.no_grad():
        out = m(ids, mask, tt)
    save_case("bert_padded", "bert_opset17.onnx",
              [("input_ids", ids.numpy()), ("attention_mask", mask.numpy()),
               ("token_type_ids", tt.numpy())], [("last_hidden_state", out.numpy())])


# ---------------------------------------------------------------- Llama (HF LlamaModel layout)
class RMSNorm(nn.Module):
    def __init__(self, e, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(1.0 + 0.1 * torch.randn(e))
        self.eps = eps

    def forward(self, x):
        var = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(var + self.eps)
        return self.weight * x


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(x, n_rep):
    b, kvh, slen, hd = x.shape
    if n_rep == 1:
        return x
    x = x[:, :, None, :, :].expand(b, kvh, n_rep, slen, hd)
    return x.reshape(b, kvh * n_rep, slen, hd)


class LlamaAttention(nn.Module):
    def __init__(self, e, h, kvh, max_pos):
        super().__init__()
        self.h, self.kvh, self.d = h, kvh, e // h
        self.q_proj = nn.Linear(e, h * self.d, bias=False)
        self.k_proj = nn.Linear(e, kvh * self.d, bias=False)
        self.v_proj = nn.Linear(e, kvh * self.d, bias=False)
        self.o_proj = nn.Linear(h * self.d, e, bias=False)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.d, 2).float() / self.d))
        t = torch.arange(max_pos).float()
        emb = torch.cat((torch.outer(t, inv_freq),) * 2, dim=-1)
        self.register_buffer("cos_cached", emb.cos()[None, None, :, :])
        self.register_buffer("sin_cached", emb.sin()[None, None, :, :])

    def forward(self, x, position_ids, mask, past_k, past_v):
        b, s, _ = x.size()
        q = self.q_proj(x).view(b, s, self.h, self.d).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kvh, self.d).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kvh, self.d).transpose(1, 2)
        t = k.shape[-2] + past_k.shape[-2]
        cos = self.cos_cached[:, :, :t].squeeze(1).squeeze(0)[position_ids].unsqueeze(1)
        sin = self.sin_cached[:, :, :t].squeeze(1).squeeze(0)[position_ids].unsqueeze(1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        kr, vr = repeat_kv(k, self.h // self.kvh), repeat_kv(v, self.h // self.kvh)
        w = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(self.d)
        w = w + mask
        w = F.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, vr).transpose(1, 2).contiguous().reshape(b, s, self.h * self.d)
        return self.o_proj(o), k, v


class LlamaLayer(nn.Module):
    def __init__(self, e, h, kvh, inter, max_pos):
        super().__init__()
        self.input_layernorm = RMSNorm(e)
        self.attn = LlamaAttention(e, h, kvh, max_pos)
        self.post_attention_layernorm = RMSNorm(e)
        self.gate = nn.Linear(e, inter, bias=False)
        self.up = nn.Linear(e, inter, bias=False)
        self.down = nn.Linear(inter, e, bias=False)

    def forward(self, x, position_ids, mask, pk, pv):
        a, k, v = self.attn(self.input_layernorm(x), position_ids, mask, pk, pv)
        x = x + a
        y = self.post_attention_layernorm(x)
        return x + self.down(F.silu(self.gate(y)) * self.up(y)), k, v


class Llama(nn.Module):
    def __init__(self, vocab=96, e=32, h=4, kvh=2, layers=2, inter=48, max_pos=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, e)
        self.layers = nn.ModuleList([LlamaLayer(e, h, kvh, inter, max_pos) for _ in range(layers)])
        self.norm = RMSNorm(e)
        self.lm_head = nn.Linear(e, vocab, bias=False)

    def forward(self, input_ids, position_ids, *past):
        s, p = input_ids.shape[1], past[0].shape[2]
        # HF's _make_causal_mask: finfo.min above the diagonal, zeros for the cached positions.
        mask = torch.full((s, s), torch.finfo(torch.float32).min)
        cond = torch.arange(mask.size(-1))
        mask.masked_fill_(cond < (cond + 1).view(mask.size(-1), 1), 0)
        mask = torch.cat([torch.zeros(s, p), mask], dim=-1)[None, None]
        x = self.embed(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, position_ids, mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return (self.lm_head(self.norm(x)), *presents)


def llama_cases():
    torch.manual_seed(3)
    m = Llama().eval()
    layers, kvh, d = 2, 2, 8
    names_in = ["input_ids", "position_ids"] + [f"past_{kv}_{i}" for i in range(layers)
                                                for kv in ("key", "value")]
    names_out = ["logits"] + [f"present_{kv}_{i}" for i in range(layers)
                              for kv in ("key", "value")]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "position_ids": {0: "batch", 1: "seq"},
           "logits": {0: "batch", 1: "seq"}}
    for n in names_in[2:]:
        dyn[n] = {0: "batch", 2: "past_seq"}
    for n in names_out[1:]:
        dyn[n] = {0: "batch", 2: "total_seq"}
    dummy = (torch.randint(0, 96, (2, 4)), torch.arange(3, 7).expand(2, 4).contiguous(),
             *[torch.randn(2, kvh, 3, d) for _ in range(2 * layers)])
    export(m, dummy, "llama_opset15.onnx", names_in, names_out, dyn, 15)

    def run(ids, pos, past, case):
        with torch.no_grad():
            outs = m(ids, pos, *past)
        save_case(case, "llama_opset15.onnx",
                  list(zip(names_in, [ids.numpy(), pos.numpy()] + [t.numpy() for t in past])),
                  list(zip(names_out, [t.numpy() for t in outs])))
        return outs

    ids = torch.randint(0, 96, (2, 6))
    outs = run(ids, torch.arange(6).expand(2, 6).contiguous(),
               [torch.zeros(2, kvh, 0, d) for _ in range(2 * layers)], "llama_prefill")
    run(torch.randint(0, 96, (2, 1)), torch.full((2, 1), 6, dtype=torch.long), list(outs[1:]),
        "llama_decode")


# ---------------------------------------------------------------- int8 QDQ (torch fake quant)
class QdqMlp(nn.Module):
    def __init__(self, e=16, hidden=24):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(e, hidden), nn.Linear(hidden, e)
        for name, fc in (("s1", self.fc1), ("s2", self.fc2)):
            self.register_buffer(name, fc.weight.detach().abs().amax(dim=1) / 127.0)

    def fq_weight(self, w, scale):
        zp = torch.zeros(w.size(0), dtype=torch.int32)
        return torch.fake_quantize_per_channel_affine(w, scale, zp, 0, -128, 127)

    def forward(self, x):
        x = torch.fake_quantize_per_tensor_affine(x, 0.02, 3, -128, 127)
        h = F.relu(F.linear(x, self.fq_weight(self.fc1.weight, self.s1), self.fc1.bias))
        h = torch.fake_quantize_per_tensor_affine(h, 0.01, -5, -128, 127)
        return F.linear(h, self.fq_weight(self.fc2.weight, self.s2), self.fc2.bias)


def qdq_cases():
    torch.manual_seed(4)
    m = QdqMlp().eval()
    x = torch.randn(3, 16)
    export(m, (x,), "qdq_mlp_opset13.onnx", ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}},
           13)
    x = torch.randn(5, 16)
    with torch.no_grad():
        y = m(x)
    save_case("qdq_mlp", "qdq_mlp_opset13.onnx", [("x", x.numpy())], [("y", y.numpy())])


# ---------------------------------------------------------------- onnx.helper-built models
def matmul_integer_case():
    rng = np.random.default_rng(5)
    a = rng.integers(-128, 128, size=(4, 12), dtype=np.int8)
    b = rng.integers(-128, 128, size=(12, 6), dtype=np.int8)
    a_zp, b_zp = np.int8(-3), rng.integers(-10, 10, size=(6,), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b", "a_zp", "b_zp"], ["acc"], name="mmi"),
         helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT, name="cast"),
         helper.make_node("Mul", ["accf", "scale"], ["y"], name="rescale")],
        "matmul_integer",
        [helper.make_tensor_value_info("a", TensorProto.INT8, ["m", 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m", 6])],
        [numpy_helper.from_array(b, "b"), numpy_helper.from_array(np.array(a_zp), "a_zp"),
         numpy_helper.from_array(b_zp, "b_zp"),
         numpy_helper.from_array(np.array(0.001, dtype=np.float32), "scale")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(ROOT, "matmul_integer_opset13.onnx"))
    acc = (a.astype(np.int32) - a_zp) @ (b.astype(np.int32) - b_zp.astype(np.int32))
    save_case("matmul_integer", "matmul_integer_opset13.onnx", [("a", a)],
              [("y", acc.astype(np.float32) * np.float32(0.001))])


def opset18_case():
    """Opset-18 forms torch 1.13 cannot export: Reduce* axes as inputs, Split num_outputs."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x", "axes"], ["mean"], keepdims=1, name="mean"),
         helper.make_node("Sub", ["x", "mean"], ["centered"], name="center"),
         helper.make_node("Split", ["centered"], ["lo", "hi"], axis=2, num_outputs=2,
                          name="split"),
         helper.make_node("ReduceSum", ["hi", "axes"], ["hsum"], keepdims=0, name="hsum"),
         helper.make_node("Unsqueeze", ["hsum", "axes"], ["hsum3"], name="unsq"),
         helper.make_node("Mul", ["lo", "hsum3"], ["y"], name="mul")],
        "opset18",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 3, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3, 4])],
        [numpy_helper.from_array(np.array([-1], dtype=np.int64), "axes")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.save(model, os.path.join(ROOT, "ops_opset18.onnx"))
    c = x - x.mean(-1, keepdims=True)
    y = c[..., :4] * c[..., 4:].sum(-1, keepdims=True)
    save_case("ops_opset18", "ops_opset18.onnx", [("x", x)], [("y", y)])


def external_data_case():
    torch.manual_seed(7)
    m = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4)).eval()
    x = torch.randn(2, 8)
    tmp = os.path.join(ROOT, "_tmp_ext.onnx")
    torch.onnx.export(m, (x,), tmp, input_names=["x"], output_names=["y"], opset_version=13)
    model = onnx.load(tmp)
    os.remove(tmp)
    onnx.save_model(model, os.path.join(ROOT, "mlp_external_opset13.onnx"),
                    save_as_external_data=True, all_tensors_to_one_file=True,
                    location="mlp_external_opset13.onnx.data", size_threshold=0)
    with torch.no_grad():
        y = m(x)
    save_case("mlp_external", "mlp_external_opset13.onnx", [("x", x.numpy())],
              [("y", y.numpy())])


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    gpt2_cases()
    bert_cases()
    llama_cases()
    qdq_cases()
    matmul_integer_case()
    opset18_case()
    external_data_case()
    import generate_quantized_models  # the uint8/int8 cases (its own script, runnable alone)
    generate_quantized_models.main()
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(ROOT) for f in fs)
    print(f"wrote {ROOT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
