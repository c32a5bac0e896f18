"""Validate a GGUF model file in the app process before llama.cpp ever touches it."""

from __future__ import annotations

import functools
import logging
import mmap
import os
import stat
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, TypeVar

from desktop_slm.engine.chat_template import template_problem
from desktop_slm.errors import ModelFileError

logger = logging.getLogger(__name__)

# Architecture names from LLM_ARCH_NAMES in vendor/llama.cpp/src/llama-arch.cpp of the
# llama-cpp-python 0.3.36 sdist. Left out: "clip" (a dummy used by llama-quantize),
# "(unknown)", "t5encoder", and the architectures for which llama_model::create_memory
# (src/llama-model.cpp) builds no KV cache, so they cannot generate text token by token:
# bert, eurobert, jina-bert-v2, jina-bert-v3, modern-bert, neo-bert, nomic-bert,
# nomic-bert-moe, gemma-embedding, wavtokenizer-dec, and the diffusion models dream,
# llada, llada-moe, rnd1.
# fmt: off
SUPPORTED_ARCHITECTURES: Final[frozenset[str]] = frozenset(
    {
        "afmoe", "apertus", "arcee", "arctic", "arwkv7", "baichuan", "bailingmoe", "bailingmoe2",
        "bailingmoe3", "bitnet", "bloom", "chameleon", "chatglm", "codeshell", "cogvlm", "cohere2",
        "cohere2moe", "command-r", "dbrx", "deci", "deepseek", "deepseek2", "deepseek2-ocr",
        "deepseek32", "deepseek4", "dflash", "dots1", "dots3note", "eagle3", "ernie4_5",
        "ernie4_5-moe", "exaone", "exaone-moe", "exaone4", "falcon", "falcon-h1", "gemma", "gemma2",
        "gemma3", "gemma3n", "gemma4", "gemma4-assistant", "glm-dsa", "glm4", "glm4moe",
        "glm5-next", "gpt-oss", "gpt2", "gptj", "gptneox", "granite", "granite_swa",
        "granitehybrid", "granitemoe", "graniteswitch", "grok", "grovemoe", "hrm_text",
        "hunyuan-dense", "hunyuan-moe", "hunyuan_vl", "hy_v3", "hy_v4", "internlm2", "jais",
        "jais2", "jamba", "kimi-k3", "kimi-linear", "laguna", "lfm2", "lfm2moe", "llama",
        "llama-embed", "llama4", "maincoder", "mamba", "mamba2", "maple", "mellum", "mimo2",
        "minicpm", "minicpm3", "minimax-01", "minimax-m2", "minimax-m3", "mistral3", "mistral4",
        "mpt", "muse-glimmer", "nanbeige", "nemotron", "nemotron_h", "nemotron_h_moe", "olmo",
        "olmo2", "olmoe", "openelm", "orion", "paddleocr", "pangu-embedded", "phi2", "phi3",
        "phimoe", "plamo", "plamo2", "plamo3", "plm", "pockettts", "qwen", "qwen2", "qwen2moe",
        "qwen2vl", "qwen3", "qwen35", "qwen35moe", "qwen3moe", "qwen3next", "qwen3tts", "qwen3vl",
        "qwen3vlmoe", "qwen4exp", "refact", "rwkv6", "rwkv6qwen2", "rwkv7", "seed_oss",
        "smallthinker", "smollm3", "spark2_5", "stablelm", "starcoder", "starcoder2", "step35",
        "t5", "talkie", "xverse",
    }
)
# fmt: on

_MAGIC: Final = b"GGUF"
_HEADER_SIZE: Final = 24  # magic, u32 version, u64 tensor count, u64 metadata count
_SUPPORTED_VERSIONS: Final = (2, 3)
_MAX_COUNT: Final = 100_000
_MAX_STRING_BYTES: Final = 16 * 1024 * 1024
_MAX_ARRAY_ELEMENTS: Final = 1 << 26
_MAX_DECODED_ARRAY: Final = 4096  # numeric arrays (e.g. per-layer head counts) worth keeping
_GGML_MAX_NAME: Final = 64  # llama.cpp rejects tensor names of this length or longer
_GGML_MAX_DIMS: Final = 4
_DEFAULT_ALIGNMENT: Final = 32
_FALLBACK_CONTEXT: Final = 2048
_INT64_LIMIT: Final = 1 << 63


# Tensor types and file types the bundled llama.cpp knows but gguf 0.19 does not:
# ggml type 42 is Q2_0 (block of 64 weights in 18 bytes), llama file type 41 is MOSTLY_Q2_0.
_EXTRA_TENSOR_TYPES: Final[dict[int, tuple[str, int, int]]] = {42: ("Q2_0", 64, 18)}
_EXTRA_FILE_TYPES: Final[dict[int, str]] = {41: "Q2_0"}

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")

MetadataValue = int | float | str | tuple[int | float, ...] | None
_T = TypeVar("_T")


@dataclass(frozen=True)
class ModelInfo:
    """What the app needs to know about a model file, read without loading it."""

    path: str
    file_size: int
    architecture: str
    name: str
    context_length: int
    n_layer: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    parameter_count: int
    quantization: str
    chat_template: str | None
    is_base_model: bool

    def kv_cache_bytes(self, n_ctx: int) -> int:
        """Size of an f16 K and V cache for ``n_ctx`` tokens (an upper bound for SWA models)."""
        return n_ctx * self.n_layer * self.n_head_kv * (self.head_dim_k + self.head_dim_v) * 2

    def short_name(self) -> str:
        """The file's own name without the quantization suffix, e.g. "SmolLM2-135M-Instruct".

        File names on the Hub are chosen by people and read well; ``general.name`` is
        often a training-run label ("Smollm2 135M 8k Lc100K Mix1 Ep2").
        """
        stem = Path(self.path).name.removesuffix(".gguf")
        quant = self.quantization.lower()
        for sep in (".", "-", "_"):
            if stem.lower().endswith(sep + quant):
                stem = stem[: -len(quant) - 1]
                break
        generic = stem.lower() in ("", "model", "ggml-model", "ggml-model-f16")
        return self.name if generic and self.name else stem

    def display_name(self) -> str:
        label = f"{self.short_name()} ({self.quantization})"
        if self.is_base_model:
            label += " — base model: not instruction-tuned"
        return label

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> ModelInfo:
        template = d.get("chat_template")
        if template is not None and not isinstance(template, str):
            raise ValueError("chat_template must be a string or None")
        return cls(
            path=_require(d, "path", str),
            file_size=_require(d, "file_size", int),
            architecture=_require(d, "architecture", str),
            name=_require(d, "name", str),
            context_length=_require(d, "context_length", int),
            n_layer=_require(d, "n_layer", int),
            n_embd=_require(d, "n_embd", int),
            n_head=_require(d, "n_head", int),
            n_head_kv=_require(d, "n_head_kv", int),
            head_dim_k=_require(d, "head_dim_k", int),
            head_dim_v=_require(d, "head_dim_v", int),
            parameter_count=_require(d, "parameter_count", int),
            quantization=_require(d, "quantization", str),
            chat_template=template,
            is_base_model=_require(d, "is_base_model", bool),
        )


def _require(d: Mapping[str, object], key: str, kind: type[_T]) -> _T:
    value = d.get(key)
    # bool is an int subclass; an int field must not accept True and vice versa.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"ModelInfo field {key!r} must be {kind.__name__}, got {value!r}")
    return value


# ---------------------------------------------------------------- public entry points


def inspect_model(path: str | os.PathLike[str]) -> ModelInfo:
    """Read and sanity-check a GGUF file's header, metadata and tensor table.

    Raises :class:`ModelFileError` for anything llama.cpp would refuse or crash on.
    Only the metadata pages are read; tensor data is never touched.
    """
    full_path = os.path.abspath(os.fspath(path))
    name = os.path.basename(full_path) or full_path
    try:
        st = os.stat(full_path)
    except (FileNotFoundError, NotADirectoryError):
        raise ModelFileError(
            f"There is no file '{name}' in {os.path.dirname(full_path)}. It may have been "
            "moved or deleted; choose the model file again.",
            code="not_found",
        ) from None
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFileError(
            f"'{name}' is a folder, not a model file. Choose the .gguf file inside it.",
            code="is_directory",
        )
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(
            f"'{name}' is not a regular file. Choose a .gguf file downloaded for llama.cpp.",
            code="not_gguf",
        )
    # Switching back to a model checked earlier need not read it again, as long as it
    # is the same unchanged file (same inode, size and change times).
    signature = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = _CHECKED.get(full_path)
    if known is not None and known[0] == signature:
        return known[1]
    info = _inspect_file(name, full_path)
    if len(_CHECKED) >= _CHECKED_MAX:
        _CHECKED.pop(next(iter(_CHECKED)))
    _CHECKED[full_path] = (signature, info)
    return info


_CHECKED: dict[str, tuple[tuple[int, ...], ModelInfo]] = {}
_CHECKED_MAX = 16


def _inspect_file(name: str, full_path: str) -> ModelInfo:
    try:
        with open(full_path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            header = handle.read(_HEADER_SIZE)
            tensor_count, kv_count = _check_header(name, header, size)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                size = len(data)  # in case the file changed since fstat
                parsed = _Parser(name, data, size).parse(tensor_count, kv_count)
    except OSError as exc:
        raise _unreadable(name, exc) from None
    return _build_info(name, full_path, size, parsed)


# ---------------------------------------------------------------- header and metadata


def _unreadable(name: str, exc: OSError) -> ModelFileError:
    reason = exc.strerror or str(exc)
    return ModelFileError(
        f"'{name}' cannot be read ({reason}). Check that the file is not locked and that "
        "you are allowed to open it.",
        code="unreadable",
    )


def _format_size(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    if n < 1_000_000:
        return f"{n / 1e3:.1f} KB"
    if n < 1_000_000_000:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e9:.1f} GB"


def _check_header(name: str, header: bytes, size: int) -> tuple[int, int]:
    if size == 0:
        raise ModelFileError(
            f"'{name}' is empty (0 bytes), so it is not a model. "
            "Choose a .gguf file downloaded for llama.cpp.",
            code="not_gguf",
        )
    if header[:4] in (b"lmgg", b"fmgg", b"tjgg"):  # GGML, GGMF, GGJT magic, little-endian
        raise ModelFileError(
            f"'{name}' uses the old GGML model format, which llama.cpp no longer reads. "
            "Download a GGUF version of this model.",
            code="not_gguf",
        )
    if header[:4] != _MAGIC:
        raise ModelFileError(
            f"'{name}' is not a GGUF model file (it does not start with the GGUF signature). "
            "Choose a .gguf file downloaded for llama.cpp.",
            code="not_gguf",
        )
    if len(header) < _HEADER_SIZE:
        raise ModelFileError(
            f"'{name}' is incomplete: the file ends after {_format_size(size)}, inside its "
            "header. Download it again.",
            code="truncated",
        )
    version, tensor_count, kv_count = struct.unpack_from("<IQQ", header, 4)
    if version not in _SUPPORTED_VERSIONS:
        if version & 0xFFFF == 0 and (version >> 24) in _SUPPORTED_VERSIONS:
            detail = "a big-endian GGUF file, made for a different kind of computer"
        elif version == 1:
            detail = "in GGUF version 1, an early format llama.cpp no longer reads"
        else:
            detail = f"in GGUF version {version}, which this app cannot read"
        raise ModelFileError(
            f"'{name}' is {detail}. Download a current GGUF version of this model.",
            code="unsupported_version",
        )
    for count, what in ((tensor_count, "tensors"), (kv_count, "metadata entries")):
        if count > _MAX_COUNT:
            raise _absurd(name, f"its header claims {count:,} {what}")
    return tensor_count, kv_count


def _absurd(name: str, detail: str) -> ModelFileError:
    return ModelFileError(
        f"'{name}' is damaged: {detail}, which no real model has. "
        "Download it again or choose another model.",
        code="absurd_metadata",
    )


def _corrupt(name: str, detail: str) -> ModelFileError:
    return ModelFileError(
        f"'{name}' is damaged or was written by an incompatible tool: {detail}. "
        "Download it again or choose another model.",
        code="corrupt",
    )


@functools.cache
def _scalar_formats() -> dict[int, str]:
    """struct formats of the GGUF scalar value types (gguf is imported late: it pulls numpy)."""
    from gguf.constants import GGUFValueType as T

    return {
        T.UINT8: "B", T.INT8: "b", T.UINT16: "H", T.INT16: "h", T.UINT32: "I", T.INT32: "i",
        T.FLOAT32: "f", T.BOOL: "B", T.UINT64: "Q", T.INT64: "q", T.FLOAT64: "d",
    }  # fmt: skip


@dataclass(frozen=True)
class _Tensor:
    name: str
    type_name: str
    n_elements: int
    n_bytes: int
    offset: int


@dataclass(frozen=True)
class _Parsed:
    metadata: dict[str, MetadataValue]
    tensors: list[_Tensor]
    alignment: int
    data_offset: int


class _Parser:
    """A bounds-checked reader of the GGUF metadata and tensor table.

    gguf's GGUFReader is not used here: it builds numpy objects for every vocabulary entry
    (about 9 s and 700 MB for a 262k-token vocabulary) and loops without end on an array
    whose declared length runs past the end of the file.
    """

    def __init__(self, name: str, data: mmap.mmap, size: int) -> None:
        self.name = name
        self.data = data
        self.size = size
        self.pos = _HEADER_SIZE

    def parse(self, tensor_count: int, kv_count: int) -> _Parsed:
        try:
            metadata = self._read_metadata(kv_count)
            alignment = self._alignment(metadata)
            tensors = self._read_tensor_infos(tensor_count)
        except (struct.error, ValueError, OverflowError) as exc:
            # The reads above are bounds-checked; reaching here means a case not anticipated.
            logger.warning("unexpected failure parsing %s", self.name, exc_info=True)
            raise _corrupt(self.name, f"its model description cannot be read ({exc})") from exc
        data_offset = -(-self.pos // alignment) * alignment
        return _Parsed(metadata, tensors, alignment, data_offset)

    def _truncated(self) -> ModelFileError:
        return ModelFileError(
            f"'{self.name}' is incomplete: the file ends after {_format_size(self.size)}, "
            "in the middle of its model description. Download it again.",
            code="truncated",
        )

    def _take(self, n: int) -> int:
        start = self.pos
        if n > self.size - start:
            raise self._truncated()
        self.pos = start + n
        return start

    def _u32(self) -> int:
        value: int = _U32.unpack_from(self.data, self._take(4))[0]
        return value

    def _u64(self) -> int:
        value: int = _U64.unpack_from(self.data, self._take(8))[0]
        return value

    def _string_length(self, what: str) -> int:
        length = self._u64()
        if length > _MAX_STRING_BYTES:
            raise _absurd(self.name, f"{what} is said to be {_format_size(length)} of text")
        return length

    def _bytes(self, what: str) -> bytes:
        length = self._string_length(what)
        start = self._take(length)
        return self.data[start : start + length]

    def _read_metadata(self, kv_count: int) -> dict[str, MetadataValue]:
        from gguf.constants import GGUFValueType

        metadata: dict[str, MetadataValue] = {}
        for _ in range(kv_count):
            key = self._bytes("a metadata key").decode("utf-8", errors="replace")
            if key in metadata:
                raise _corrupt(self.name, f"the metadata entry '{key}' appears twice")
            value_type = self._u32()
            if key == "general.alignment" and value_type != GGUFValueType.UINT32:
                raise _corrupt(self.name, "general.alignment is not a 32-bit number")
            metadata[key] = self._read_value(key, value_type)
        return metadata

    def _read_value(self, key: str, value_type: int) -> MetadataValue:
        from gguf.constants import GGUFValueType

        fmt = _scalar_formats().get(value_type)
        if fmt is not None:
            size = struct.calcsize("<" + fmt)
            scalar: int | float = struct.unpack_from("<" + fmt, self.data, self._take(size))[0]
            return scalar
        if value_type == GGUFValueType.STRING:
            return self._bytes(f"the value of '{key}'").decode("utf-8", errors="replace")
        if value_type != GGUFValueType.ARRAY:
            raise _corrupt(self.name, f"the metadata entry '{key}' has unknown type {value_type}")
        item_type = self._u32()
        count = self._u64()
        if count > _MAX_ARRAY_ELEMENTS:
            raise _absurd(self.name, f"the list '{key}' is said to hold {count:,} items")
        if item_type == GGUFValueType.STRING:
            self._skip_strings(key, count)
            return None
        fmt = _scalar_formats().get(item_type)
        if fmt is None:  # llama.cpp does not read nested arrays either
            raise _corrupt(self.name, f"the list '{key}' has unsupported item type {item_type}")
        start = self._take(count * struct.calcsize("<" + fmt))
        if count > _MAX_DECODED_ARRAY:
            return None
        return tuple(struct.unpack_from(f"<{count}{fmt}", self.data, start))

    def _skip_strings(self, key: str, count: int) -> None:
        # Vocabularies are arrays of 100k+ strings; walk them without building objects.
        data, size, pos = self.data, self.size, self.pos
        unpack = _U64.unpack_from
        for _ in range(count):
            if pos + 8 > size:
                raise self._truncated()
            (length,) = unpack(data, pos)
            if length > _MAX_STRING_BYTES:
                raise _absurd(self.name, f"an item of '{key}' is said to be {length:,} bytes")
            pos += 8 + length
        if pos > size:
            raise self._truncated()
        self.pos = pos

    def _alignment(self, metadata: Mapping[str, MetadataValue]) -> int:
        alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
        if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
            raise _corrupt(self.name, f"its data alignment {alignment} is not a power of two")
        return alignment

    def _read_tensor_infos(self, tensor_count: int) -> list[_Tensor]:
        from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

        tensors: list[_Tensor] = []
        seen: set[str] = set()
        for _ in range(tensor_count):
            raw_name = self._bytes("a tensor name")
            tensor_name = raw_name.decode("utf-8", errors="replace")
            if len(raw_name) >= _GGML_MAX_NAME:
                raise _corrupt(self.name, f"the tensor name '{tensor_name[:80]}' is too long")
            if tensor_name in seen:
                raise _corrupt(self.name, f"the tensor '{tensor_name}' appears twice")
            seen.add(tensor_name)
            n_dims = self._u32()
            if n_dims > _GGML_MAX_DIMS:
                raise _corrupt(self.name, f"the tensor '{tensor_name}' has {n_dims} dimensions")
            dims = [self._u64() for _ in range(n_dims)]
            n_elements = 1
            for dim in dims:
                n_elements *= dim
            if any(dim >= _INT64_LIMIT for dim in dims) or n_elements >= _INT64_LIMIT:
                raise _absurd(self.name, f"the tensor '{tensor_name}' has shape {dims}")
            raw_type = self._u32()
            try:
                qtype = GGMLQuantizationType(raw_type)
                type_name = qtype.name
                block_size, type_size = GGML_QUANT_SIZES[qtype]
            except (ValueError, KeyError):
                if raw_type not in _EXTRA_TENSOR_TYPES:
                    raise ModelFileError(
                        f"'{self.name}' stores weights in a format (ggml type {raw_type}) that "
                        "this app does not know. Choose a file with a common quantization "
                        "such as Q4_K_M.",
                        code="unsupported_quantization",
                    ) from None
                type_name, block_size, type_size = _EXTRA_TENSOR_TYPES[raw_type]
            if (dims[0] if dims else 1) % block_size:
                raise _corrupt(
                    self.name,
                    f"the tensor '{tensor_name}' does not fit the {type_name} block size",
                )
            n_bytes = n_elements // block_size * type_size
            tensors.append(_Tensor(tensor_name, type_name, n_elements, n_bytes, self._u64()))
        return tensors


# ---------------------------------------------------------------- building ModelInfo


def _build_info(name: str, full_path: str, size: int, parsed: _Parsed) -> ModelInfo:
    meta = parsed.metadata
    arch = meta.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(
            f"'{name}' does not say which model architecture it uses, so llama.cpp cannot "
            "run it. Choose another model file.",
            code="unsupported_architecture",
        )
    if arch not in SUPPORTED_ARCHITECTURES:
        raise ModelFileError(
            f"'{name}' is a '{arch[:60]}' model, a kind this app cannot use for writing. "
            "Choose a text-generation model such as Llama, Qwen, Gemma or Phi.",
            code="unsupported_architecture",
        )
    if not parsed.tensors:
        raise _corrupt(name, "it contains no model weights")

    def number(key: str, default: int | None = None) -> int:
        value = meta.get(f"{arch}.{key}")
        if value is None and default is not None:
            return default
        # Per-layer lists (e.g. KV head counts of hybrid models) count by their largest entry.
        if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
            value = max(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _corrupt(name, f"the setting {arch}.{key} is missing or invalid")
        return value

    context_length = number("context_length", 0)
    if context_length == 0:
        logger.warning("%s has no %s.context_length; assuming %d", name, arch, _FALLBACK_CONTEXT)
        context_length = _FALLBACK_CONTEXT
    n_layer = number("block_count")
    n_embd = number("embedding_length")
    n_head = number("attention.head_count", 0)
    n_head_kv = number("attention.head_count_kv", n_head)
    default_head_dim = n_embd // n_head if n_head else 0
    head_dim_k = number("attention.key_length", default_head_dim)
    head_dim_v = number("attention.value_length", default_head_dim)

    _check_tensor_layout(name, parsed)
    data_end = max(parsed.data_offset + t.offset + t.n_bytes for t in parsed.tensors)
    if data_end > size:
        have, need = _format_size(size), _format_size(data_end)
        if have == need:
            have, need = f"{size:,} bytes", f"{data_end:,} bytes"
        raise ModelFileError(
            f"'{name}' is incomplete: the file is {have} but its contents need {need}. "
            "Download it again.",
            code="truncated",
        )

    template = meta.get("tokenizer.chat_template")
    chat_template = template if isinstance(template, str) and template.strip() else None
    if chat_template is not None:
        problem = template_problem(chat_template, name)
        if problem is not None:
            raise ModelFileError(
                f"'{name}' has a chat template that does not work ({problem}). "
                "Choose a different model file.",
                code="bad_chat_template",
            )

    model_name = meta.get("general.name")
    if not isinstance(model_name, str) or not model_name.strip():
        model_name = Path(full_path).stem
    return ModelInfo(
        path=full_path,
        file_size=size,
        architecture=arch,
        name=model_name.strip(),
        context_length=context_length,
        n_layer=n_layer,
        n_embd=n_embd,
        n_head=n_head,
        n_head_kv=n_head_kv,
        head_dim_k=head_dim_k,
        head_dim_v=head_dim_v,
        parameter_count=sum(t.n_elements for t in parsed.tensors),
        quantization=_quantization(meta.get("general.file_type"), parsed.tensors),
        chat_template=chat_template,
        is_base_model=chat_template is None,
    )


def _check_tensor_layout(name: str, parsed: _Parsed) -> None:
    # llama.cpp (gguf_init_from_file_impl) requires each tensor to start right after the
    # previous one, padded to the alignment.
    expected = 0
    for tensor in parsed.tensors:
        if tensor.offset != expected:
            raise _corrupt(name, f"the tensor '{tensor.name}' is not where its table says")
        expected += -(-tensor.n_bytes // parsed.alignment) * parsed.alignment


def _quantization(file_type: MetadataValue, tensors: list[_Tensor]) -> str:
    from gguf.constants import LlamaFileType

    if isinstance(file_type, int):
        if file_type in _EXTRA_FILE_TYPES:
            return _EXTRA_FILE_TYPES[file_type]
        try:
            member = LlamaFileType(file_type)
        except ValueError:
            member = None
        if member is not None and member is not LlamaFileType.GUESSED:
            label: str = member.name
            return label.removeprefix("MOSTLY_").removeprefix("ALL_")
    by_bytes: Counter[str] = Counter()
    for tensor in tensors:
        by_bytes[tensor.type_name] += tensor.n_bytes
    return by_bytes.most_common(1)[0][0]
