"""Chat examples → token ids and labels, with the loss on the assistant's tokens only.

The prompt (system + user turns + the ``assistant`` header) is rendered with the
tokenizer's own chat template; the labels of those tokens are -100, so the model is
trained to write the answer (and its end-of-turn token), not to repeat the question.
"""

from __future__ import annotations

IGNORE_INDEX = -100


def encode_example(messages: list[dict], tokenizer, max_len: int) -> dict | None:
    """``{"input_ids", "labels"}`` for one conversation whose last turn is the assistant's;
    None when nothing of the answer fits in ``max_len``."""
    if not messages or messages[-1]["role"] != "assistant":
        raise ValueError("the last message must be the assistant's answer")
    prompt_text = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full_text = tokenizer.apply_chat_template(messages, tokenize=False)
    if not full_text.startswith(prompt_text):
        raise ValueError("the chat template does not render the prompt as a prefix of the conversation")
    prompt_ids = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(full_text[len(prompt_text):].rstrip("\n"), add_special_tokens=False)["input_ids"]
    if len(prompt_ids) >= max_len - 8:  # keep room for the start of the answer: cut the prompt's middle
        keep = max_len - 8 - 16
        prompt_ids = prompt_ids[:keep // 2] + prompt_ids[-(keep - keep // 2):]
    ids = (prompt_ids + answer_ids)[:max_len]
    labels = ([IGNORE_INDEX] * len(prompt_ids) + answer_ids)[:max_len]
    if all(label == IGNORE_INDEX for label in labels):
        return None
    return {"input_ids": ids, "labels": labels}


def encode_rows(rows: list[dict], tokenizer, max_len: int) -> list[dict]:
    out = []
    for row in rows:
        item = encode_example(row["messages"], tokenizer, max_len)
        if item is not None:
            out.append(item)
    return out


def collate(batch: list[dict], pad_id: int):
    """Right-padded tensors: input_ids, attention_mask, labels (-100 on padding)."""
    import torch

    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for i, b in enumerate(batch):
        n = len(b["input_ids"])
        ids[i, :n] = torch.tensor(b["input_ids"])
        labels[i, :n] = torch.tensor(b["labels"])
        mask[i, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
