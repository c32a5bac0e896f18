"""Thinking models (Qwen3, SmolLM3) answer the writing tools without thinking first."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_slm.engine.client import EngineClient
from desktop_slm.engine.gguf_check import inspect_model
from desktop_slm.engine.protocol import Completion, SamplingOptions
from tests.support.tiny_llama import write_tiny_llama

# The message loop and generation prompt of Qwen3's chat template (Qwen/Qwen3-4B,
# tokenizer_config.json), without its tool-calling branches.
QWEN3 = (
    "{%- for message in messages %}"
    "{%- if message.role == 'user' or message.role == 'system' %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)
# SmolLM3's way (HuggingFaceTB/SmolLM3-3B): the system header names the reasoning mode.
SMOLLM3 = (
    "{%- set reasoning_mode = '/think' %}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{%- set reasoning_mode = '/no_think' %}{%- endif %}"
    "{{- '<|im_start|>system\\n## Metadata\\n\\nReasoning Mode: ' + reasoning_mode + '\\n\\n' }}"
    "{{- '<|im_end|>\\n' }}"
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{%- if reasoning_mode == '/think' %}{{- '<|im_start|>assistant\\n' }}"
    "{%- else %}{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n' }}{%- endif %}"
    "{%- endif %}"
)
MESSAGES = [{"role": "user", "content": "Write one line to a colleague."}]
CHAT = "<|im_start|>user\nWrite one line to a colleague.<|im_end|>\n"
SHORT = SamplingOptions(max_tokens=2, temperature=0.0, seed=1)


def final(events: object) -> Completion:
    done = [e for e in events if isinstance(e, Completion)]  # type: ignore[attr-defined]
    assert len(done) == 1
    return done[0]


@pytest.mark.parametrize(
    ("template", "thinking_off", "thinking_on"),
    [
        pytest.param(
            QWEN3,
            CHAT + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
            CHAT + "<|im_start|>assistant\n",
            id="qwen3",
        ),
        pytest.param(
            SMOLLM3,
            "<|im_start|>system\n## Metadata\n\nReasoning Mode: /no_think\n\n<|im_end|>\n"
            + CHAT
            + "<|im_start|>assistant\n<think>\n\n</think>\n",
            "<|im_start|>system\n## Metadata\n\nReasoning Mode: /think\n\n<|im_end|>\n"
            + CHAT
            + "<|im_start|>assistant\n",
            id="smollm3",
        ),
    ],
)
def test_the_engine_renders_thinking_templates_with_thinking_off(
    tmp_path: Path, template: str, thinking_off: str, thinking_on: str
) -> None:
    model = write_tiny_llama(tmp_path / "thinker.gguf", template)
    inspect_model(model)  # the load-time check renders it the same way, and accepts it

    with EngineClient() as engine:
        engine.load(model, n_ctx=512)
        done = final(engine.chat(MESSAGES, SHORT))
        off, on = engine.count_tokens(thinking_off), engine.count_tokens(thinking_on)

    # The prompt the model read is the template's thinking-off form, token for token.
    assert off != on
    assert done.prompt_tokens == off
