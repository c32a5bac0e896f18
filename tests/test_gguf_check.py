"""Tests for desktop_slm.engine.gguf_check: real models, damaged copies and crafted files."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest

from desktop_slm.engine import gguf_check
from desktop_slm.engine.chat_template import check_chat_template
from desktop_slm.engine.gguf_check import (
    SUPPORTED_ARCHITECTURES,
    ModelInfo,
    inspect_model,
)
from desktop_slm.errors import ModelFileError
from tests.support.test_models import GEMMA3_BASE, SMOLLM2, ensure_model

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def smollm2_path() -> Path:
    return ensure_model(SMOLLM2)


@pytest.fixture(scope="module")
def gemma3_path() -> Path:
    return ensure_model(GEMMA3_BASE)


@pytest.fixture(scope="module")
def smollm2(smollm2_path: Path) -> ModelInfo:
    return inspect_model(smollm2_path)


def expect_error(path: Path, code: str) -> ModelFileError:
    with pytest.raises(ModelFileError) as caught:
        inspect_model(path)
    error = caught.value
    assert error.code == code, str(error)
    assert f"'{path.name}'" in str(error)
    return error


def write_tiny_model(
    path: Path,
    *,
    arch: str = "llama",
    chat_template: str | None = CHATML,
    head_count_kv: int | list[int] = 2,
    file_type: int | None = None,
) -> Path:
    """A two-tensor llama-like model written with gguf's own writer."""
    writer = gguf.GGUFWriter(path, arch)
    writer.add_name("Tiny Test")
    writer.add_context_length(256)
    writer.add_embedding_length(64)
    writer.add_block_count(2)
    writer.add_head_count(4)
    writer.add_head_count_kv(head_count_kv)
    if file_type is not None:
        writer.add_file_type(file_type)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    writer.add_tensor("token_embd.weight", np.zeros((32, 64), dtype=np.float32))
    writer.add_tensor("output_norm.weight", np.ones(64, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def gguf_string(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def gguf_header(*, tensors: int, kvs: int, version: int = 3) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, tensors, kvs)


def string_kv(key: str, value: str) -> bytes:
    return gguf_string(key) + struct.pack("<I", gguf.GGUFValueType.STRING) + gguf_string(value)


def u32_kv(key: str, value: int) -> bytes:
    return gguf_string(key) + struct.pack("<II", gguf.GGUFValueType.UINT32, value)


def llama_kvs(arch: str = "llama") -> list[bytes]:
    return [
        string_kv("general.architecture", arch),
        u32_kv(f"{arch}.context_length", 256),
        u32_kv(f"{arch}.embedding_length", 64),
        u32_kv(f"{arch}.block_count", 2),
        u32_kv(f"{arch}.attention.head_count", 4),
    ]


def tensor_info(name: str, dims: tuple[int, ...], ggml_type: int, offset: int) -> bytes:
    return (
        gguf_string(name)
        + struct.pack(f"<I{len(dims)}Q", len(dims), *dims)
        + struct.pack("<IQ", ggml_type, offset)
    )


def write_crafted(path: Path, kvs: list[bytes], tensors: list[bytes], data: bytes) -> Path:
    """A hand-assembled GGUF file: header, metadata, tensor table, padding, data."""
    body = gguf_header(tensors=len(tensors), kvs=len(kvs)) + b"".join(kvs) + b"".join(tensors)
    body += b"\0" * (-len(body) % 32)
    path.write_bytes(body + data)
    return path


def write_prefix(source: Path, target: Path, n_bytes: int) -> Path:
    with source.open("rb") as src, target.open("wb") as dst:
        remaining = n_bytes
        while remaining:
            chunk = src.read(min(remaining, 1 << 22))
            dst.write(chunk)
            remaining -= len(chunk)
    return target


# ---------------------------------------------------------------- real models


@pytest.mark.slow
def test_smollm2_is_inspected(smollm2: ModelInfo, smollm2_path: Path) -> None:
    assert smollm2.path == os.path.abspath(smollm2_path)
    assert smollm2.file_size == SMOLLM2.size
    assert smollm2.architecture == "llama"
    assert smollm2.context_length == 8192
    assert (smollm2.n_layer, smollm2.n_embd, smollm2.n_head, smollm2.n_head_kv) == (30, 576, 9, 3)
    assert (smollm2.head_dim_k, smollm2.head_dim_v) == (64, 64)
    assert smollm2.quantization == "Q4_1"
    assert 100e6 < smollm2.parameter_count < 200e6
    assert not smollm2.is_base_model
    assert smollm2.chat_template is not None
    assert "<|im_start|>" in smollm2.chat_template
    check_chat_template(smollm2.chat_template)
    # The file name reads better than general.name ("Smollm2 135M 8k Lc100K Mix1 Ep2").
    assert smollm2.display_name() == "SmolLM2-135M-Instruct (Q4_1)"


@pytest.mark.slow
def test_smollm2_agrees_with_gguf_reader(smollm2: ModelInfo, smollm2_path: Path) -> None:
    # GGUFReader is the reference implementation; too slow and fragile for the app itself.
    reader = gguf.GGUFReader(smollm2_path)

    def value(key: str) -> object:
        field = reader.get_field(key)
        assert field is not None, key
        return field.contents()

    assert smollm2.parameter_count == sum(t.n_elements for t in reader.tensors)
    assert smollm2.file_size >= max(t.data_offset + t.n_bytes for t in reader.tensors)
    assert smollm2.name == value("general.name")
    assert smollm2.context_length == value("llama.context_length")
    assert smollm2.n_layer == value("llama.block_count")
    assert smollm2.n_head_kv == value("llama.attention.head_count_kv")
    assert smollm2.chat_template == value("tokenizer.chat_template")


@pytest.mark.slow
def test_gemma3_base_model_is_flagged(gemma3_path: Path) -> None:
    info = inspect_model(gemma3_path)
    assert info.architecture == "gemma3"
    assert info.is_base_model
    assert info.chat_template is None
    assert info.quantization == "Q4_K_M"
    assert (info.head_dim_k, info.head_dim_v, info.n_head_kv) == (256, 256, 1)
    assert "base model: not instruction-tuned" in info.display_name()


@pytest.mark.slow
def test_kv_cache_bytes_for_smollm2(smollm2: ModelInfo) -> None:
    n_layer, n_head_kv, head_dim = 30, 3, 64
    expected = 2048 * n_layer * n_head_kv * (head_dim + head_dim) * 2
    assert smollm2.kv_cache_bytes(2048) == expected == 47_185_920


@pytest.mark.slow
def test_model_info_json_round_trip(smollm2: ModelInfo, gemma3_path: Path) -> None:
    for info in (smollm2, inspect_model(gemma3_path)):
        wire = json.dumps(info.to_dict())
        assert ModelInfo.from_dict(json.loads(wire)) == info


def test_from_dict_rejects_wrong_types(tmp_path: Path) -> None:
    good = inspect_model(write_tiny_model(tmp_path / "tiny.gguf")).to_dict()
    assert ModelInfo.from_dict(good).to_dict() == good
    for key, bad in (("n_layer", "2"), ("n_layer", True), ("is_base_model", 0), ("path", None)):
        with pytest.raises(ValueError, match=key):
            ModelInfo.from_dict({**good, key: bad})


def test_checker_does_not_import_llama_cpp_or_qt(tmp_path: Path) -> None:
    model = write_tiny_model(tmp_path / "tiny.gguf")
    code = (
        "import sys\n"
        "from desktop_slm.engine.gguf_check import inspect_model\n"
        f"inspect_model({str(model)!r})\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('llama_cpp', 'PySide6')]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


# ---------------------------------------------------------------- small written models


def test_tiny_model_defaults(tmp_path: Path) -> None:
    info = inspect_model(write_tiny_model(tmp_path / "tiny.gguf"))
    assert info.name == "Tiny Test"
    assert (info.n_head, info.n_head_kv, info.head_dim_k, info.head_dim_v) == (4, 2, 16, 16)
    assert info.quantization == "F32"  # no general.file_type: the dominant tensor type
    assert info.parameter_count == 32 * 64 + 64
    assert not info.is_base_model


def test_per_layer_kv_heads_and_file_type(tmp_path: Path) -> None:
    path = write_tiny_model(tmp_path / "tiny.gguf", head_count_kv=[0, 2], file_type=15)
    info = inspect_model(path)
    assert info.n_head_kv == 2
    assert info.quantization == "Q4_K_M"


def test_model_without_template_is_base(tmp_path: Path) -> None:
    info = inspect_model(write_tiny_model(tmp_path / "tiny-base.gguf", chat_template=None))
    assert info.is_base_model
    assert info.display_name() == "tiny-base (F32) — base model: not instruction-tuned"


def test_generic_file_name_falls_back_to_general_name(tmp_path: Path) -> None:
    info = inspect_model(write_tiny_model(tmp_path / "model.gguf"))
    assert info.display_name() == "Tiny Test (F32)"


def test_architecture_list_matches_llama_cpp() -> None:
    assert {"llama", "gemma3", "qwen2", "qwen3", "phi3", "mistral3"} <= SUPPORTED_ARCHITECTURES
    assert not {"clip", "bert", "t5encoder", "(unknown)"} & SUPPORTED_ARCHITECTURES


# ---------------------------------------------------------------- files that are not models


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.gguf"
    path.write_bytes(np.random.default_rng(7).bytes(4096))
    expect_error(path, "not_gguf")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    assert "empty" in str(expect_error(path, "not_gguf"))


def test_tiny_file(tmp_path: Path) -> None:
    path = tmp_path / "two.gguf"
    path.write_bytes(b"GG")
    expect_error(path, "not_gguf")


def test_old_ggml_format(tmp_path: Path) -> None:
    path = tmp_path / "old.bin"
    path.write_bytes(b"tjgg" + bytes(100))
    assert "old GGML" in str(expect_error(path, "not_gguf"))


@pytest.mark.slow
def test_wrong_magic(tmp_path: Path, smollm2_path: Path) -> None:
    path = tmp_path / "SmolLM2-renamed.gguf"
    shutil.copyfile(smollm2_path, path)
    with path.open("r+b") as handle:
        handle.write(b"PK\x03\x04")
    error = expect_error(path, "not_gguf")
    assert "GGUF signature" in str(error)


def test_directory(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.mkdir()
    expect_error(path, "is_directory")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.gguf"
    error = expect_error(path, "not_found")
    assert str(tmp_path) in str(error)


def test_open_failure_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_tiny_model(tmp_path / "locked.gguf")

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(gguf_check, "open", refuse, raising=False)
    assert "Permission denied" in str(expect_error(path, "unreadable"))


# ---------------------------------------------------------------- damaged real model


DESCRIPTION_CUT = "in the middle of its model description"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n_bytes", "wording"),
    [
        (10, "inside its header"),
        (1_000, DESCRIPTION_CUT),  # among the first metadata entries
        (1_000_000, DESCRIPTION_CUT),  # inside the vocabulary
        (1_780_000, DESCRIPTION_CUT),  # inside the tensor table (1,769,507 to 1,785,664)
        (int(SMOLLM2.size * 0.6), "the file is 59.0 MB but its contents need 98.4 MB"),
        (SMOLLM2.size - 1, "the file is 98,362,431 bytes but its contents need 98,362,432 bytes"),
    ],
)
def test_truncated_model(tmp_path: Path, smollm2_path: Path, n_bytes: int, wording: str) -> None:
    path = write_prefix(smollm2_path, tmp_path / SMOLLM2.filename, n_bytes)
    message = str(expect_error(path, "truncated"))
    assert message.startswith(f"'{SMOLLM2.filename}' is incomplete")
    assert wording in message
    assert message.endswith("Download it again.")


def test_truncated_message_sizes(tmp_path: Path) -> None:
    full = write_tiny_model(tmp_path / "full.gguf").read_bytes()
    assert len(full) == 9120
    path = tmp_path / "cut.gguf"
    path.write_bytes(full[:-500])
    error = expect_error(path, "truncated")
    assert "the file is 8.6 KB but its contents need 9.1 KB." in str(error)
    path.write_bytes(full[:-1])
    error = expect_error(path, "truncated")
    assert "the file is 9,119 bytes but its contents need 9,120 bytes." in str(error)


@pytest.mark.parametrize(
    ("version_bytes", "wording"),
    [
        (struct.pack("<I", 1), "version 1"),
        (struct.pack("<I", 4), "version 4"),
        (struct.pack(">I", 3), "big-endian"),
    ],
)
def test_unsupported_version(tmp_path: Path, version_bytes: bytes, wording: str) -> None:
    path = write_tiny_model(tmp_path / "tiny.gguf")
    with path.open("r+b") as handle:
        handle.seek(4)
        handle.write(version_bytes)
    assert wording in str(expect_error(path, "unsupported_version"))


@pytest.mark.parametrize("arch", ["bert", "my-new-arch"])
def test_unsupported_architecture(tmp_path: Path, arch: str) -> None:
    path = write_tiny_model(tmp_path / "odd.gguf", arch=arch)
    assert f"'{arch}'" in str(expect_error(path, "unsupported_architecture"))


def test_missing_architecture(tmp_path: Path) -> None:
    kvs = llama_kvs()[1:]
    path = write_crafted(
        tmp_path / "anon.gguf", kvs, [tensor_info("a.weight", (8,), 0, 0)], bytes(32)
    )
    expect_error(path, "unsupported_architecture")


# ---------------------------------------------------------------- chat templates


@pytest.mark.parametrize(
    "template",
    [
        "{% for message in messages %}{{ message['content'] }}",  # unclosed block
        "{{ messages[0]['content'] | no_such_filter }}",
        "{{ raise_exception('System message required') }}",
        "{{ messages[0].content.__class__.__mro__ }}",  # blocked by the sandbox
        "{{ 1 / 0 }}",
        "Hi there",  # drops the conversation
    ],
)
def test_bad_chat_template(tmp_path: Path, template: str) -> None:
    with pytest.raises(ModelFileError) as caught:
        check_chat_template(template)
    assert caught.value.code == "bad_chat_template"
    path = write_tiny_model(tmp_path / "broken-template.gguf", chat_template=template)
    expect_error(path, "bad_chat_template")


def test_template_features_llama_cpp_python_provides() -> None:
    check_chat_template(CHATML)
    check_chat_template(
        "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}"
        "{% generation %}{{ m.content | tojson }}{% endgeneration %}{% endfor %}"
        "{{ strftime_now('%Y') }}{% if tools is not none %}{{ raise_exception('no') }}{% endif %}"
    )


# ---------------------------------------------------------------- crafted damage


def test_absurd_counts(tmp_path: Path) -> None:
    for name, header in (
        ("kvs.gguf", gguf_header(tensors=1, kvs=10**12)),
        ("tensors.gguf", gguf_header(tensors=2**63, kvs=1)),
    ):
        path = tmp_path / name
        path.write_bytes(header + bytes(64))
        assert "claims" in str(expect_error(path, "absurd_metadata"))


def test_absurd_string_length(tmp_path: Path) -> None:
    path = tmp_path / "long-string.gguf"
    key = gguf_string("general.name") + struct.pack("<IQ", gguf.GGUFValueType.STRING, 2**40)
    path.write_bytes(gguf_header(tensors=0, kvs=1) + key + bytes(64))
    expect_error(path, "absurd_metadata")


def test_absurd_array_length(tmp_path: Path) -> None:
    # gguf.GGUFReader would loop over these 2**40 phantom items for ever.
    path = tmp_path / "long-array.gguf"
    array = struct.pack("<IIQ", gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.UINT8, 2**40)
    path.write_bytes(gguf_header(tensors=0, kvs=1) + gguf_string("x") + array)
    expect_error(path, "absurd_metadata")


def test_array_running_past_the_end(tmp_path: Path) -> None:
    path = tmp_path / "short-array.gguf"
    array = struct.pack("<IIQ", gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.UINT32, 10**6)
    path.write_bytes(gguf_header(tensors=0, kvs=1) + gguf_string("x") + array + bytes(100))
    expect_error(path, "truncated")


def test_unknown_value_type(tmp_path: Path) -> None:
    path = tmp_path / "odd-type.gguf"
    path.write_bytes(gguf_header(tensors=0, kvs=1) + gguf_string("x") + struct.pack("<I", 99))
    expect_error(path, "corrupt")


def test_duplicate_key(tmp_path: Path) -> None:
    kvs = [*llama_kvs(), u32_kv("llama.block_count", 3)]
    path = write_crafted(
        tmp_path / "dup.gguf", kvs, [tensor_info("a.weight", (8,), 0, 0)], bytes(32)
    )
    assert "appears twice" in str(expect_error(path, "corrupt"))


def test_unknown_tensor_type(tmp_path: Path) -> None:
    path = write_crafted(
        tmp_path / "new-quant.gguf", llama_kvs(), [tensor_info("a.weight", (256,), 77, 0)], b""
    )
    expect_error(path, "unsupported_quantization")


def test_misplaced_tensor(tmp_path: Path) -> None:
    tensors = [tensor_info("a.weight", (8,), 0, 0), tensor_info("b.weight", (8,), 0, 64)]
    path = write_crafted(tmp_path / "gap.gguf", llama_kvs(), tensors, bytes(128))
    expect_error(path, "corrupt")


def test_model_without_tensors(tmp_path: Path) -> None:
    path = write_crafted(tmp_path / "vocab-only.gguf", llama_kvs(), [], b"")
    assert "no model weights" in str(expect_error(path, "corrupt"))


def test_missing_hyperparameter(tmp_path: Path) -> None:
    kvs = [kv for kv in llama_kvs() if b"block_count" not in kv]
    path = write_crafted(
        tmp_path / "no-layers.gguf", kvs, [tensor_info("a.weight", (8,), 0, 0)], bytes(32)
    )
    assert "llama.block_count" in str(expect_error(path, "corrupt"))


def test_a_file_changed_since_its_last_check_is_checked_again(
    smollm2_path: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.gguf"
    shutil.copyfile(smollm2_path, model)
    first = inspect_model(model)
    assert inspect_model(model) == first  # unchanged: the earlier check stands

    # The same path, now a damaged file of the same size (a bad copy, a disk error).
    data = bytearray(model.read_bytes())
    data[:4] = b"XXXX"
    model.write_bytes(bytes(data))
    stamp = model.stat().st_mtime_ns + 10**9  # past the file system's clock granularity
    os.utime(model, ns=(stamp, stamp))
    with pytest.raises(ModelFileError) as caught:
        inspect_model(model)
    assert caught.value.code == "not_gguf"

    # Replaced by another file (a new inode) with the original content: checked again.
    replacement = tmp_path / "replacement.gguf"
    shutil.copyfile(smollm2_path, replacement)
    os.replace(replacement, model)
    assert inspect_model(model) == first
