"""``make train``: build the shipped sentiment models from the labelled text.

Training data: the real labelled sentences of :func:`mentortrack.analytics.corpus.real_corpus`
*except the headline family* (:data:`mentortrack.analytics.corpus.HEADLINE_FAMILY`, product
reviews), three quarters of DynaSent's ``dev`` split (crowd-labelled sentences whose Neutral is
a kind of sentence: :func:`mentortrack.analytics.corpus.dynasent_part`), plus the project's
domain sentences. The product reviews are never trained on by a shipped model: they are the
held-out source ``make eval`` scores them on. Never the domain evaluation sentences, never a
DynaSent test or calibration sentence, never a reserved text (all checked).

Two models, both shipped in ``mentortrack/data/models``:

- ``minilm-finetuned`` (default): all-MiniLM-L6-v2 fine-tuned end to end with a
  3-class head (one epoch, AdamW, learning rate 4e-5 with one-cycle schedule,
  batches of 32 texts of similar length (:func:`length_batches`), class-weighted
  cross-entropy, seed 0), exported to ONNX and quantized
  to int8 (:func:`quantize`: weights per channel, activation ranges fixed on
  :data:`CALIBRATION_TEXTS` training texts; ``sentiment-minilm-finetuned.onnx``, about 23 MB). Runs with
  onnxruntime and the tokenizer file; no torch at run time. Training takes about
  10 minutes on 2 idle cores and needs torch (installed with the suite).
- ``static-linear``: a logistic regression over the static encoder's embedding plus
  TextBlob polarity and VADER compound (``sentiment-static-linear.npz``), seconds to
  train, fastest to run, less accurate.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from mentortrack.analytics.corpus import (
    FAMILIES,
    HEADLINE_FAMILY,
    domain_evaluation,
    domain_training,
    dynasent,
    dynasent_part,
    leaked,
    real_corpus,
)
from mentortrack.analytics.embeddings import distill_static, encoder_id, minilm_path
from mentortrack.analytics.sentiment import (
    LABEL_ORDER,
    NEUTRAL_PRIOR,
    SENTIMENT_MODELS,
    LinearSentiment,
    linear_features,
    model_path,
)

log = logging.getLogger(__name__)

REGULARISATION = 1.0
"""Inverse L2 strength ``C`` of the static-linear logistic regression."""

EPOCHS = 1
LEARNING_RATE = 4e-5
BATCH_SIZE = 32
MAX_TOKENS = 128
SEED = 0
CALIBRATION_TEXTS = 512
"""Training texts (a seeded sample, each run alone) whose activations fix the int8 model's ranges."""


def training_frame(hold_out: Iterable[str] = (HEADLINE_FAMILY,)) -> pd.DataFrame:
    """Labelled sentences to train on (``text``, ``label``, ``source``), without the held-out families.

    Raises:
        ValueError: a training text is a domain evaluation sentence, a DynaSent test or calibration
            sentence, or a reserved text.
    """
    held = set(hold_out)
    real = real_corpus()
    real = real[~real["source"].map(FAMILIES).isin(held)]
    crowd = dynasent()
    part = dynasent_part(crowd)
    frame = pd.concat([real[["source", "text", "label"]], crowd.loc[part == "train", ["source", "text", "label"]],
                       domain_training()], ignore_index=True)
    frame = frame.drop_duplicates("text", ignore_index=True)
    for name, held_out in (("domain evaluation", domain_evaluation()), ("DynaSent", crowd[part != "train"])):
        overlap = set(frame["text"]) & set(held_out["text"])
        if overlap:
            raise ValueError(f"{len(overlap)} {name} sentences are in the training data, e.g. {next(iter(overlap))!r}")
    reserved = leaked(frame["text"])
    if reserved:
        raise ValueError(f"{len(reserved)} training texts are reserved evaluation comments")
    return frame


def length_batches(frame: pd.DataFrame, seed: int, size: int = BATCH_SIZE, pool: int = 50) -> list[pd.DataFrame]:
    """``frame`` shuffled into batches of ``size`` rows of similar length, in random order.

    The rows are shuffled with ``seed``, cut into pools of ``pool`` batches, sorted by text length
    within a pool and cut into batches, whose order is then shuffled: a batch pads to its
    longest text, so similar lengths save most of the padding while every batch stays a random
    draw of the data. A last batch smaller than ``size`` is dropped.
    """
    rng = np.random.default_rng(seed)
    shuffled = frame.iloc[rng.permutation(len(frame))]
    batches = []
    for start in range(0, len(shuffled), size * pool):
        chunk = shuffled.iloc[start:start + size * pool]
        chunk = chunk.iloc[np.argsort(chunk["text"].str.len().to_numpy(), kind="stable")]
        batches += [chunk.iloc[i:i + size] for i in range(0, len(chunk) - size + 1, size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def fit_linear(frame: pd.DataFrame, x: np.ndarray | None = None) -> LinearSentiment:
    """The static-linear model fitted on ``frame`` (balanced class weights, :data:`REGULARISATION`).

    ``x`` holds the frame's features when they were computed already (one row per text).
    """
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=REGULARISATION, max_iter=3000, class_weight="balanced")
    model.fit(linear_features(frame["text"].tolist()) if x is None else x, frame["label"].to_numpy())
    return LinearSentiment(model.coef_.astype(np.float32), model.intercept_.astype(np.float32),
                           tuple(str(c) for c in model.classes_), NEUTRAL_PRIOR, encoder_id("static"))


class _Calibration:
    """onnxruntime's calibration input: one text a run (``input_ids``, ``attention_mask``)."""

    def __init__(self, texts: list[str], tokenizer_file: Path) -> None:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        self.rows = iter([np.array([e.ids], dtype=np.int64) for e in tokenizer.encode_batch(texts)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        ids = next(self.rows, None)
        return None if ids is None else {"input_ids": ids, "attention_mask": np.ones_like(ids)}


def calibration_texts(frame: pd.DataFrame) -> list[str]:
    """:data:`CALIBRATION_TEXTS` training texts drawn with :data:`SEED` (all of them if fewer)."""
    return frame["text"].sample(n=min(CALIBRATION_TEXTS, len(frame)), random_state=SEED).tolist()


def feed_forward_outputs(plain: Path) -> list[str]:
    """Names of the MatMul nodes of ``plain`` that end each layer's feed-forward block (``…/output/dense``).

    Their input is the GELU activation, whose long positive tail one fixed 8-bit range cannot hold
    (quantized, they changed 6.7 % of the labels of 1,500 held-out sentences against float; kept in
    float, 2.2 %).
    """
    import onnx

    return [node.name for node in onnx.load(str(plain), load_external_data=False).graph.node
            if node.op_type == "MatMul" and "/output/dense/" in node.name and "/attention/" not in node.name]


def quantize(plain: Path, out: Path, texts: list[str]) -> Path:
    """Write the float32 ONNX model ``plain`` as a static int8 model to ``out`` (QDQ format).

    Weights of the MatMuls, Gemms and Gathers are int8 per output channel; the activations entering
    them are uint8 with ranges fixed once, as the minimum and maximum seen over ``texts`` (each run
    alone). Fixed ranges make a row's result independent of the rows batched with it, which a
    dynamic int8 model (ranges taken from each run's whole input) is not. The feed-forward output
    MatMuls (:func:`feed_forward_outputs`) run on floats (their weights stored as int8 per channel).

    Raises:
        ValueError: ``plain`` has no feed-forward output MatMul by that name (not a BERT-style export).
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    kept_float = feed_forward_outputs(plain)
    if not kept_float:
        raise ValueError(f"{plain}: no feed-forward output MatMul (…/output/dense/MatMul) found")
    out.parent.mkdir(parents=True, exist_ok=True)
    quantize_static(str(plain), str(out), _Calibration(texts, minilm_path() / "tokenizer.json"),
                    quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm", "Gather"],
                    nodes_to_exclude=kept_float, calibrate_method=CalibrationMethod.MinMax)
    return _int8_weights(out, kept_float)


def _int8_weights(path: Path, names: list[str]) -> Path:
    """Store the float weight of each MatMul in ``names`` as int8 (symmetric, one scale per output
    column) behind a DequantizeLinear, in place: the MatMul still runs on floats, the file is smaller."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    wanted = set(names)
    for position, node in enumerate(list(graph.node)):
        if node.name not in wanted or node.input[1] not in weights:
            continue
        weight = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
        scale = np.maximum(np.abs(weight).max(axis=0), np.finfo(np.float32).tiny) / 127
        stem = node.input[1]
        graph.initializer.remove(weights[stem])
        graph.initializer.extend([
            numpy_helper.from_array(np.clip(np.rint(weight / scale), -127, 127).astype(np.int8), f"{stem}_int8"),
            numpy_helper.from_array(scale.astype(np.float32), f"{stem}_int8_scale"),
            numpy_helper.from_array(np.zeros(scale.shape, dtype=np.int8), f"{stem}_int8_zero_point")])
        graph.node.insert(position, helper.make_node(
            "DequantizeLinear", [f"{stem}_int8", f"{stem}_int8_scale", f"{stem}_int8_zero_point"], [stem],
            name=f"{stem}_DequantizeLinear", axis=1))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def finetune(frame: pd.DataFrame, out: Path, keep_fp32: Path | None = None) -> Path:
    """Fine-tune MiniLM with a 3-class head on ``frame`` and write it as a static int8 ONNX model to ``out``
    (:func:`quantize`, calibrated on :func:`calibration_texts` of ``frame``).

    ``keep_fp32``: where to copy the float32 ONNX export as well (for comparisons; never shipped).
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    source = str(minilm_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    encoder = AutoModel.from_pretrained(source)
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABEL_ORDER))
    counts = frame["label"].value_counts()
    weights = torch.tensor([len(frame) / (len(LABEL_ORDER) * counts[c]) for c in LABEL_ORDER], dtype=torch.float)
    target = {c: i for i, c in enumerate(LABEL_ORDER)}

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = encoder, head

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9))

    network = Classifier()
    epochs = [length_batches(frame, SEED + epoch) for epoch in range(EPOCHS)]
    steps = sum(len(batches) for batches in epochs)
    optimiser = torch.optim.AdamW(network.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=LEARNING_RATE, total_steps=steps, pct_start=0.1)
    from tqdm.auto import tqdm

    network.train()
    with tqdm(total=steps, desc="fine-tuning MiniLM", unit="batch") as bar:
        for batches in epochs:
            for batch in batches:
                encoded = tokenizer(batch["text"].tolist(), padding=True, truncation=True, max_length=MAX_TOKENS,
                                    return_tensors="pt")
                logits = network(encoded["input_ids"], encoded["attention_mask"])
                labels = torch.tensor([target[c] for c in batch["label"]])
                loss = torch.nn.functional.cross_entropy(logits, labels, weight=weights)
                loss.backward()
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
    network.eval()
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "model.onnx"
        example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
        torch.onnx.export(network, example, str(plain), input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}})
        out.parent.mkdir(parents=True, exist_ok=True)
        if keep_fp32 is not None:
            keep_fp32.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(plain, keep_fp32)
        quantize(plain, out, calibration_texts(frame))
    shutil.copyfile(minilm_path() / "tokenizer.json", out.with_suffix(".tokenizer.json"))
    return out


def train(models: Iterable[str] = SENTIMENT_MODELS, distil: bool = True) -> list[Path]:
    """Distil the static encoder (unless ``distil`` is false) and build each sentiment model."""
    from mentortrack.analytics import sentiment

    if distil:
        log.info("distilling the static encoder from MiniLM")
        distill_static()
    frame = training_frame()
    written = []
    for name in models:
        log.info("training %s on %d sentences", name, len(frame))
        if name == "static-linear":
            written.append(fit_linear(frame).save(model_path(name)))
        else:
            written.append(finetune(frame, model_path(name)))
    sentiment.sentiment_model.cache_clear()
    return written
