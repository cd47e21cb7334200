#!/usr/bin/python3
"""Generate the test models and reference tensors used by jwasm-nn's tests and benchmarks.

Usage: /usr/bin/python3 scripts/make-test-models.py [--out DIR]

Needs Debian's python3-torch, python3-torchvision and python3-onnx (hence /usr/bin/python3).
There is no model hub offline, so the models have random (seeded) weights; MobileNetV2's
BatchNorm statistics are calibrated on random image-like data so its logits are not ~0.

All raw tensors are little-endian, row-major, without header. Output is deterministic: every
seed is fixed and the pictures are drawn with integer arithmetic only.

A stamp file (DIR/.stamp, the sha256 of this script) is written last; when it matches and all
files exist the script exits at once without importing torch.
"""

import argparse
import hashlib
import io
import json
import os
import struct
import sys
import time

SCRIPT = os.path.abspath(__file__)
REPO_ROOT = os.path.dirname(os.path.dirname(SCRIPT))
DEFAULT_OUT = os.path.join(REPO_ROOT, "build", "models")
STAMP = ".stamp"
MANIFEST = "models.json"

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# multi_io: (name, numpy dtype name, manifest dtype) in declared order.
MULTI_IO_INPUTS = [
    ("a_f32", "float32", "F32"),
    ("b_i64", "int64", "I64"),
    ("c_u8", "uint8", "U8"),
    ("d_f64", "float64", "F64"),
    ("e_f16", "float16", "F16"),
    ("f_i32", "int32", "I32"),
]
MULTI_IO_OUTPUTS = [
    ("sum_f64", "float64", "F64"),
    ("scaled_i64", "int64", "I64"),
    ("inc_u8", "uint8", "U8"),
    ("twice_i32", "int32", "I32"),
    ("half_f16", "float16", "F16"),
    ("relu_f32", "float32", "F32"),
]

# Everything except models.json and the stamp; known up front so the fast path needs no torch.
DATA_FILES = (
    [
        "sample-224.bmp",
        "sample-224.ppm",
        "sample-320x240.bmp",
        "mobilenet_v2.onnx",
        "mobilenet_v2.pt",
        "mobilenet_v2.input.f32",
        "mobilenet_v2.torch.f32",
        "mobilenet_v2.batch2.input.f32",
        "mobilenet_v2.batch2.torch.f32",
        "multi_io.onnx",
        "multi_io.pt",
        "multi_io.json",
    ]
    + ["multi_io.in.%s.bin" % n for n, _, _ in MULTI_IO_INPUTS]
    + ["multi_io.out.%s.bin" % n for n, _, _ in MULTI_IO_OUTPUTS]
    + ["tiny.onnx", "tiny.pt", "tiny.in.f32", "tiny.out.f32"]
    + ["tiny_b.onnx"]
    + ["slow.onnx"]
    + ["photo-640x480.png", "photo-640x480.jpg", "photo-300x400.png", "photo-640x480.jpg.rgb"]
    + ["photo-300x400.exif6.jpg", "photo-640x480.jpg.crop.f32"]
    + ["photo-640x480.%s.f32" % m for m in ("stretch", "crop", "letterbox")]
    + ["photo-300x400.%s.f32" % m for m in ("stretch", "crop", "letterbox")]
)
EXPECTED_FILES = DATA_FILES + [MANIFEST]


def fail(msg):
    sys.stderr.write("make-test-models: FAILED: %s\n" % msg)
    sys.exit(1)


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def script_digest():
    with open(SCRIPT, "rb") as f:
        return sha256_bytes(f.read())


def up_to_date(out, digest):
    try:
        with open(os.path.join(out, STAMP), "r") as f:
            if f.read().strip() != digest:
                return False
    except OSError:
        return False
    return all(os.path.isfile(os.path.join(out, n)) for n in EXPECTED_FILES)


class Writer:
    """Writes files atomically (temp name in the same dir, fsync, rename) and records hashes."""

    def __init__(self, out):
        self.out = out
        self.files = {}

    def write(self, name, data):
        if name in self.files:
            fail("file written twice: " + name)
        path = os.path.join(self.out, name)
        tmp = os.path.join(self.out, ".%s.tmp-%d" % (name, os.getpid()))
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.files[name] = {"sha256": sha256_bytes(data), "size": len(data)}


def le_bytes(arr):
    """Raw little-endian row-major bytes of a numpy array."""
    import numpy as np

    arr = np.ascontiguousarray(arr)
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()


def t_bytes(tensor):
    return le_bytes(tensor.detach().cpu().contiguous().numpy())


# ---------------------------------------------------------------- pictures

def picture_224():
    """224x224 RGB: smooth gradients plus a few flat-coloured shapes (integer maths only,
    so the pixels are identical on every machine)."""
    import numpy as np

    h = w = 224
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    img = np.empty((h, w, 3), dtype=np.int64)
    img[..., 0] = x * 255 // (w - 1)
    img[..., 1] = y * 255 // (h - 1)
    img[..., 2] = 64 + (x + y) * 127 // (w + h - 2)
    # red disc
    img[(x - 70) ** 2 + (y - 80) ** 2 <= 40 ** 2] = (220, 30, 40)
    # blue rectangle
    img[(x >= 120) & (x < 200) & (y >= 130) & (y < 190)] = (30, 60, 200)
    # yellow triangle (apex up): inside all three half-planes
    tri = (y <= 110) & (2 * (y - 30) >= (x - 160)) & (2 * (y - 30) >= (160 - x))
    img[tri] = (240, 220, 30)
    # white ring
    d2 = (x - 60) ** 2 + (y - 175) ** 2
    img[(d2 >= 18 ** 2) & (d2 <= 26 ** 2)] = (250, 250, 250)
    return img.astype(np.uint8)


def picture_320x240():
    """A different 320x240 (WxH) RGB picture for resize/crop paths."""
    import numpy as np

    h, w = 240, 320
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    img = np.empty((h, w, 3), dtype=np.int64)
    img[..., 0] = 200 - (x + 2 * y) * 160 // (w - 1 + 2 * (h - 1))
    img[..., 1] = 40 + ((x - w // 2) ** 2 + (y - h // 2) ** 2) * 180 // ((w // 2) ** 2 + (h // 2) ** 2)
    img[..., 2] = (w - 1 - x) * 255 // (w - 1)
    # horizontal stripes band (sharp edges for resize filters)
    band = (y >= 20) & (y < 60)
    img[band & ((y // 4) % 2 == 0)] = (10, 10, 10)
    # green disc
    img[(x - 230) ** 2 + (y - 150) ** 2 <= 55 ** 2] = (30, 200, 60)
    # magenta rectangle
    img[(x >= 40) & (x < 140) & (y >= 100) & (y < 210)] = (210, 40, 200)
    # cyan diamond
    img[abs(x - 160) + abs(y - 120) <= 30] = (40, 220, 230)
    return img.astype(np.uint8)


def bmp_bytes(img):
    """24-bit uncompressed BMP: BITMAPFILEHEADER + BITMAPINFOHEADER, bottom-up BGR rows,
    each row padded to a multiple of 4 bytes."""
    import numpy as np

    h, w, _ = img.shape
    row = w * 3
    stride = (row + 3) & ~3
    pixels = np.zeros((h, stride), dtype=np.uint8)
    pixels[:, :row] = img[::-1, :, ::-1].reshape(h, row)  # flip rows, RGB -> BGR
    data = pixels.tobytes()
    offset = 14 + 40
    file_header = struct.pack("<2sIHHI", b"BM", offset + len(data), 0, 0, offset)
    # 2835 px/m = 72 dpi; biSizeImage is set explicitly (some readers need it).
    info_header = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0)
    return file_header + info_header + data


def ppm_bytes(img):
    h, w, _ = img.shape
    return b"P6\n%d %d\n255\n" % (w, h) + img.tobytes()


def preprocess(img):
    """uint8 HWC RGB -> float32 NCHW, in the exact order the Java side uses:
    x = pixel/255, then (x - mean)/std, all float32."""
    import numpy as np

    x = img.astype(np.float32) / np.float32(255.0)
    x = (x - np.array(IMAGENET_MEAN, dtype=np.float32)) / np.array(IMAGENET_STD, dtype=np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)


# ---------------------------------------------------------------- export helpers

def onnx_export(model, args, input_names, output_names, dynamic_axes):
    import onnx
    import torch

    buf = io.BytesIO()
    torch.onnx.export(
        model,
        args,
        buf,
        opset_version=13,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
        do_constant_folding=True,
    )
    proto = onnx.load_from_string(buf.getvalue())
    # Node doc_strings carry Python source locations (absolute paths of this checkout);
    # drop them so the bytes do not depend on where the repo lives.
    for node in proto.graph.node:
        node.doc_string = ""
    onnx.checker.check_model(proto, full_check=True)
    return proto


def check_onnx_io(proto, label, want_inputs, want_outputs):
    """want_*: list of (name, onnx elem type, [dims]) where a dim is an int or a dim_param name."""
    init_names = {i.name for i in proto.graph.initializer}

    def describe(values):
        res = []
        for v in values:
            if v.name in init_names:
                continue
            t = v.type.tensor_type
            dims = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in t.shape.dim]
            res.append((v.name, t.elem_type, dims))
        return res

    got_in, got_out = describe(proto.graph.input), describe(proto.graph.output)
    if got_in != want_inputs:
        fail("%s: ONNX inputs %r != expected %r" % (label, got_in, want_inputs))
    if got_out != want_outputs:
        fail("%s: ONNX outputs %r != expected %r" % (label, got_out, want_outputs))


def script_bytes(scripted):
    # Save to memory: saving to a file path bakes the (temp) file name into the zip entries.
    import torch

    buf = io.BytesIO()
    torch.jit.save(scripted, buf)
    return buf.getvalue()


def reload_script(data):
    import torch

    return torch.jit.load(io.BytesIO(data))


def check_close(label, got, want, atol):
    import torch

    if got.dtype != want.dtype or tuple(got.shape) != tuple(want.shape):
        fail("%s: got %s%s, want %s%s" % (label, got.dtype, tuple(got.shape), want.dtype, tuple(want.shape)))
    if want.dtype.is_floating_point:
        diff = (got.double() - want.double()).abs().max().item()
        if not diff <= atol:
            fail("%s: max abs diff %g > %g" % (label, diff, atol))
    elif not torch.equal(got, want):
        fail("%s: integer outputs differ" % label)


# ---------------------------------------------------------------- MobileNetV2

def make_mobilenet(w):
    import numpy as np
    import onnx
    import torch
    import torchvision

    img = picture_224()
    img2 = picture_320x240()
    w.write("sample-224.bmp", bmp_bytes(img))
    w.write("sample-224.ppm", ppm_bytes(img))
    w.write("sample-320x240.bmp", bmp_bytes(img2))

    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None)

    # Calibrate BatchNorm: with fresh running stats (mean 0, var 1) the activations shrink
    # layer by layer and the logits end up ~0. A cumulative average (momentum=None) over a
    # few batches of image-like data gives sane statistics.
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.momentum = None
            m.reset_running_stats()
    gen = torch.Generator().manual_seed(1)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    model.train()
    with torch.no_grad():
        for _ in range(10):
            # smooth random fields (upsampled low-res noise) plus a little pixel noise
            low = torch.rand(8, 3, 7, 7, generator=gen)
            x = torch.nn.functional.interpolate(low, size=(224, 224), mode="bilinear", align_corners=False)
            x = (x + 0.05 * torch.randn(8, 3, 224, 224, generator=gen)).clamp(0.0, 1.0)
            model((x - mean) / std)
    model.eval()

    x1 = preprocess(img)
    # second batch item: centre 224x224 crop of the 320x240 picture
    crop = img2[8:232, 48:272]
    x2 = np.concatenate([x1, preprocess(crop)], axis=0)
    t1, t2 = torch.from_numpy(x1), torch.from_numpy(x2)
    with torch.no_grad():
        y1 = model(t1)
        y2 = model(t2)

    spread = y1.std().item()
    if not spread > 0.1:
        fail("mobilenet_v2 logits std %g is not > 0.1 (BatchNorm calibration broken?)" % spread)
    if not (y2[0] - y2[1]).abs().max().item() > 0.1:
        fail("mobilenet_v2 logits of the two batch items are nearly identical")
    check_close("mobilenet_v2 batch2 row 0 vs batch1", y2[:1], y1, 1e-4)

    w.write("mobilenet_v2.input.f32", le_bytes(x1))
    w.write("mobilenet_v2.torch.f32", t_bytes(y1))
    w.write("mobilenet_v2.batch2.input.f32", le_bytes(x2))
    w.write("mobilenet_v2.batch2.torch.f32", t_bytes(y2))

    proto = onnx_export(model, (t1,), ["input"], ["logits"],
                        {"input": {0: "batch"}, "logits": {0: "batch"}})
    f32 = onnx.TensorProto.FLOAT
    check_onnx_io(proto, "mobilenet_v2", [("input", f32, ["batch", 3, 224, 224])],
                  [("logits", f32, ["batch", 1000])])
    w.write("mobilenet_v2.onnx", proto.SerializeToString())

    with torch.no_grad():
        traced = torch.jit.trace(model, (t1,))
    data = script_bytes(traced)
    loaded = reload_script(data)
    with torch.no_grad():
        check_close("mobilenet_v2.pt batch1", loaded(t1), y1, 1e-4)
        check_close("mobilenet_v2.pt batch2", loaded(t2), y2, 1e-4)
    w.write("mobilenet_v2.pt", data)


# ---------------------------------------------------------------- multi_io

def make_multi_io(w):
    import numpy as np
    import onnx
    import torch

    class MultiIO(torch.nn.Module):
        def forward(self, a_f32, b_i64, c_u8, d_f64, e_f16, f_i32):
            sum_f64 = a_f32.double() * d_f64 + 1
            scaled_i64 = b_i64 * 3 + f_i32.long()
            # ONNX opset 13 has no uint8 Add: widen to int32, add, narrow (wraps 255 -> 0)
            inc_u8 = (c_u8.int() + 1).to(torch.uint8)
            twice_i32 = f_i32 * 2
            # f16 arithmetic is poorly supported on CPU; compute in f32 and narrow at the end
            half_f16 = (e_f16.float() * 2 + a_f32).half()
            relu_f32 = torch.relu(a_f32 - 0.5)
            return sum_f64, scaled_i64, inc_u8, twice_i32, half_f16, relu_f32

    inputs = {
        "a_f32": np.array([[-1.5, 0.0, 0.25, 3.75], [0.5, -0.125, 100.0, -7.0]], dtype=np.float32),
        "b_i64": np.array([[-3, 0, 1 << 40, 123456789012], [-(1 << 40), 7, -1, 5]], dtype=np.int64),
        "c_u8": np.array([[0, 1, 254, 255], [128, 200, 255, 7]], dtype=np.uint8),
        "d_f64": np.array([[2.0, -1.0, 1e10, 0.1], [-0.5, 3.0, 1e-3, 1.0 / 3.0]], dtype=np.float64),
        "e_f16": np.array([[0.5, -2.0, 1000.0, 0.333], [-0.001, 3.14, 15000.0, -7.5]], dtype=np.float16),
        "f_i32": np.array([[-5, 0, 1000000000, 42], [-1000000000, 1, -2, 65536]], dtype=np.int32),
    }
    names_in = [n for n, _, _ in MULTI_IO_INPUTS]
    names_out = [n for n, _, _ in MULTI_IO_OUTPUTS]
    args = tuple(torch.from_numpy(inputs[n]) for n in names_in)

    module = MultiIO().eval()
    with torch.no_grad():
        outs = module(*args)
    for (name, dt, _), t in zip(MULTI_IO_OUTPUTS, outs):
        if str(t.dtype) != "torch." + dt or tuple(t.shape) != (2, 4):
            fail("multi_io eager output %s is %s%s" % (name, t.dtype, tuple(t.shape)))

    proto = onnx_export(module, args, names_in, names_out,
                        {n: {0: "batch"} for n in names_in + names_out})
    elem = {
        "F16": onnx.TensorProto.FLOAT16, "F32": onnx.TensorProto.FLOAT,
        "F64": onnx.TensorProto.DOUBLE, "U8": onnx.TensorProto.UINT8,
        "I32": onnx.TensorProto.INT32, "I64": onnx.TensorProto.INT64,
    }
    check_onnx_io(proto, "multi_io",
                  [(n, elem[d], ["batch", 4]) for n, _, d in MULTI_IO_INPUTS],
                  [(n, elem[d], ["batch", 4]) for n, _, d in MULTI_IO_OUTPUTS])
    w.write("multi_io.onnx", proto.SerializeToString())

    # torch.jit.script keeps the code generic (no shapes or dtypes frozen by tracing)
    data = script_bytes(torch.jit.script(module))
    loaded = reload_script(data)
    with torch.no_grad():
        for name, got, want in zip(names_out, loaded(*args), outs):
            check_close("multi_io.pt " + name, got, want, 0.0)
        # other batch size: the first dim must stay dynamic
        args3 = tuple(torch.cat([a, a[:1]]) for a in args)
        for name, got, want in zip(names_out, loaded(*args3), module(*args3)):
            check_close("multi_io.pt batch3 " + name, got, want, 0.0)
    w.write("multi_io.pt", data)

    desc = {"inputs": [], "outputs": []}
    for (name, _, dt), t in zip(MULTI_IO_INPUTS, args):
        fname = "multi_io.in.%s.bin" % name
        w.write(fname, t_bytes(t))
        desc["inputs"].append({"name": name, "dtype": dt, "shape": list(t.shape), "file": fname})
    for (name, _, dt), t in zip(MULTI_IO_OUTPUTS, outs):
        fname = "multi_io.out.%s.bin" % name
        w.write(fname, t_bytes(t))
        desc["outputs"].append({"name": name, "dtype": dt, "shape": list(t.shape), "file": fname})
    w.write("multi_io.json", (json.dumps(desc, indent=2) + "\n").encode())


# ---------------------------------------------------------------- tiny

def make_tiny(w):
    import onnx
    import torch

    # A Linear with fixed weights exports as one Gemm with initializers, so constant folding
    # cannot collapse the graph away: y = x @ (2I)^T + 1 = 2x + 1.
    model = torch.nn.Linear(4, 4)
    with torch.no_grad():
        model.weight.copy_(2.0 * torch.eye(4))
        model.bias.fill_(1.0)
    model.eval()

    x = torch.tensor([[1.0, -2.0, 3.5, 0.0]], dtype=torch.float32)
    with torch.no_grad():
        y = model(x)
    check_close("tiny eager", y, x * 2 + 1, 0.0)

    proto = onnx_export(model, (x,), ["x"], ["y"], None)
    f32 = onnx.TensorProto.FLOAT
    check_onnx_io(proto, "tiny", [("x", f32, [1, 4])], [("y", f32, [1, 4])])
    if not proto.graph.node:
        fail("tiny.onnx has no nodes")
    w.write("tiny.onnx", proto.SerializeToString())

    with torch.no_grad():
        traced = torch.jit.trace(model, (x,))
    data = script_bytes(traced)
    with torch.no_grad():
        check_close("tiny.pt", reload_script(data)(x), y, 0.0)
    w.write("tiny.pt", data)

    w.write("tiny.in.f32", t_bytes(x))
    w.write("tiny.out.f32", t_bytes(y))

    # Same interface, other answer (y = 3x - 1): a second version for the reload tests, which
    # tell from each output which version computed it.
    with torch.no_grad():
        model.weight.copy_(3.0 * torch.eye(4))
        model.bias.fill_(-1.0)
        check_close("tiny_b eager", model(x), x * 3 - 1, 0.0)
    proto_b = onnx_export(model, (x,), ["x"], ["y"], None)
    check_onnx_io(proto_b, "tiny_b", [("x", f32, [1, 4])], [("y", f32, [1, 4])])
    w.write("tiny_b.onnx", proto_b.SerializeToString())


# ---------------------------------------------------------------- slow

SLOW_LAYERS = 512
SLOW_WIDTH = 1024


def photo(w, h):
    """A synthetic photo-like RGB picture: gradients, a fine checkerboard, discs and a bar."""
    import numpy as np

    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    img = np.empty((h, w, 3), dtype=np.int64)
    img[..., 0] = x * 255 // (w - 1)
    img[..., 1] = y * 255 // (h - 1)
    img[..., 2] = 96 + ((x // 8 + y // 8) % 2) * 96
    img[(x - w // 3) ** 2 + (y - h // 2) ** 2 <= (min(w, h) // 5) ** 2] = (240, 200, 20)
    img[(x - 2 * w // 3) ** 2 + (y - h // 3) ** 2 <= (min(w, h) // 8) ** 2] = (20, 40, 220)
    img[(y >= h - h // 6) & (x >= w // 10) & (x < w - w // 10)] = (250, 250, 250)
    return img.astype(np.uint8)


def image_references(img):
    """The image step's three resize modes at 224, ImageNet normalisation, NCHW float32.

    An independent implementation of what the step documents: bilinear on float pixels with
    half-pixel centres (torch's interpolate, no antialiasing, which is also OpenCV's INTER_LINEAR);
    crop = shorter side to 256 (long side truncated) then a centre crop with the offset rounded as
    Python rounds; letterbox = fit inside 224 (sizes rounded half up), centred on 114 grey.
    """
    import math

    import numpy as np
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1).unsqueeze(0)
    H, W = img.shape[:2]

    def resize(x, h, w):
        return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=False)

    out = {"stretch": resize(t, 224, 224)}
    if H <= W:
        nh, nw = 256, int(256 * W / H)
    else:
        nw, nh = 256, int(256 * H / W)
    r = resize(t, nh, nw)
    top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
    out["crop"] = r[:, :, top:top + 224, left:left + 224]
    s = min(224 / W, 224 / H)
    nw, nh = max(1, int(math.floor(W * s + 0.5))), max(1, int(math.floor(H * s + 0.5)))
    canvas = torch.full((1, 3, 224, 224), 114.0)
    top, left = (224 - nh) // 2, (224 - nw) // 2
    canvas[:, :, top:top + nh, left:left + nw] = resize(t, nh, nw)
    out["letterbox"] = canvas
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return {k: ((v / 255.0 - mean) / std).contiguous() for k, v in out.items()}


def make_images(w):
    """Test images for the OpenCV preprocessing step, with references per resize mode."""
    import numpy as np
    from PIL import Image

    for width, height in ((640, 480), (300, 400)):
        img = photo(width, height)
        name = "photo-%dx%d" % (width, height)
        buf = io.BytesIO()
        Image.fromarray(img, "RGB").save(buf, format="PNG")
        w.write(name + ".png", buf.getvalue())
        for mode, ref in image_references(img).items():
            w.write("%s.%s.f32" % (name, mode), le_bytes(ref.numpy().astype(np.float32)))
        if width == 300:
            # Stored turned a quarter left, with EXIF orientation 6 ("rotate 90 clockwise to
            # show"): a decoder that honours EXIF gives back the upright 300x400 picture.
            exif = Image.Exif()
            exif[0x0112] = 6
            buf = io.BytesIO()
            Image.fromarray(img, "RGB").transpose(Image.ROTATE_90).save(
                buf, format="JPEG", quality=95, exif=exif.tobytes())
            w.write(name + ".exif6.jpg", buf.getvalue())
        if width == 640:
            buf = io.BytesIO()
            Image.fromarray(img, "RGB").save(buf, format="JPEG", quality=90)
            w.write(name + ".jpg", buf.getvalue())
            # What PIL's decoder makes of the JPEG: the pixels an OpenCV decode is compared with.
            decoded = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), dtype=np.uint8)
            w.write(name + ".jpg.rgb", decoded.tobytes())
            # The reference crop of those pixels: what the served JPEG should be classified from.
            w.write(name + ".jpg.crop.f32", le_bytes(image_references(decoded)["crop"].numpy().astype(np.float32)))


def make_slow(w):
    import onnx
    import torch

    # A compute that takes seconds for a large batch and milliseconds for one row, so tests can
    # show that a deadline cancels work already running inside the backend. One shared weight
    # keeps the file at 4 MiB however many layers there are.
    class Slow(torch.nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(7)
            self.w = torch.nn.Parameter(torch.randn(SLOW_WIDTH, SLOW_WIDTH, generator=g) / SLOW_WIDTH ** 0.5)

        def forward(self, x):
            h = x
            for _ in range(SLOW_LAYERS):
                h = torch.tanh(h @ self.w)
            return h

    model = Slow().eval()
    x = torch.ones(1, SLOW_WIDTH, dtype=torch.float32)
    proto = onnx_export(model, (x,), ["x"], ["y"], {"x": {0: "batch"}, "y": {0: "batch"}})
    f32 = onnx.TensorProto.FLOAT
    check_onnx_io(proto, "slow", [("x", f32, ["batch", SLOW_WIDTH])], [("y", f32, ["batch", SLOW_WIDTH])])
    matmuls = sum(1 for n in proto.graph.node if n.op_type == "MatMul")
    if matmuls != SLOW_LAYERS:
        fail("slow.onnx has %d MatMul nodes, expected %d" % (matmuls, SLOW_LAYERS))
    w.write("slow.onnx", proto.SerializeToString())


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description="Generate jwasm-nn test models and reference data.")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    out = os.path.abspath(parser.parse_args().out)

    digest = script_digest()
    if up_to_date(out, digest):
        print("test models up to date: %s" % out)
        return 0

    start = time.monotonic()
    os.makedirs(out, exist_ok=True)
    # Invalidate first, so a run killed half-way is never taken as complete.
    for name in os.listdir(out):
        if name == STAMP or (name.startswith(".") and ".tmp-" in name):
            os.unlink(os.path.join(out, name))

    import warnings

    import numpy
    import onnx
    import torch
    import torchvision

    torch.set_num_threads(2)
    # Tracer/exporter warnings about our own fixed-shape code are expected; keep output quiet.
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")

    w = Writer(out)
    make_mobilenet(w)
    make_multi_io(w)
    make_tiny(w)
    make_slow(w)
    make_images(w)

    if sorted(w.files) != sorted(DATA_FILES):
        fail("written files %r do not match the expected list" % sorted(set(w.files) ^ set(DATA_FILES)))

    manifest = {
        "generator": "scripts/make-test-models.py",
        "generator_sha256": digest,
        "versions": {
            "python": "%d.%d.%d" % sys.version_info[:3],
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "onnx": onnx.__version__,
            "numpy": numpy.__version__,
        },
        "files": [dict(name=n, **w.files[n]) for n in sorted(w.files)],
    }
    w.write(MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    w.write(STAMP, (digest + "\n").encode())

    print("wrote %d test model files to %s in %.1fs" % (len(DATA_FILES) + 1, out, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
