"""The Python half of `npm run test:trainers` (run.ts makes the environment and plan.json).

    python check.py <plan.json> [--no-train]

1. loads every exported file with `datasets`;
2. renders every conversation of every SFT and preference record through each chat template with
   transformers' `apply_chat_template` (Python Jinja2) and compares "renders"/"refuses" with the
   validator's prediction in plan.json;
3. hands each complete file to TRL's SFTTrainer (sft.jsonl), DPOTrainer (preference.jsonl) or the
   PRM trainer (stepwise.jsonl): the trainer prepares every record under every chat template the
   validator says renders all of the file (one it says refuses a record would refuse it in the
   trainer too), with no max_length; it must drop no example, and TRL must warn that a prompt
   is not the start of prompt+completion (its completion mask is off) exactly for the
   conversations the validator names (template.prompt-not-prefix, also compared in text in 2.);
   then 2 steps train (batch 1, the two shortest examples, at most their last 1024 tokens) under
   one of the templates the validator says masks every completion right, a different one file
   after file (--every-template: under each);
4. prints every failure, a summary per failure class with one example each, and a table; exits 1
   on any failure.
"""

import argparse
import hashlib
import json
import logging
import math
import os
import re
import sys
import time
import warnings
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from records import all_text, conversations, for_trainer, prompts, read_records, tools_of  # noqa: E402

TRAINABLE = {"sft": "SFTTrainer", "preference": "DPOTrainer", "stepwise": "PRMTrainer"}


def last_line(exc):
    """The exception's type and the last line of its message (what a user would search for)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[-1] if lines else ""
    text = text if len(text) <= 240 else text[:237] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Failures:
    """Every failure, grouped by class for the summary (count and first example)."""

    def __init__(self):
        self.items = []

    def add(self, cls, where, detail):
        # Counts in a message make no class of their own ("warned 4 times for 2 examples").
        cls = re.sub(r"\b\d+\b", "N", cls)
        self.items.append((cls if len(cls) <= 150 else cls[:147] + "...", where, detail))
        print(f"  ✗ [{cls}] {where}: {detail}", flush=True)

    def summary(self):
        groups = OrderedDict()
        for cls, where, detail in self.items:
            groups.setdefault(cls, []).append((where, detail))
        return groups


def label_of(f):
    trace = "" if f.get("trace") is None else f" #{f['trace']}"
    return f"{f['source']}{trace} [{f['variant']}] {f['kind']}.jsonl"


def render_text(tokenizer, template, messages, tools, add_generation_prompt=False):
    """The rendered text, or ("refuses", error) for one conversation under one template."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = tokenizer.apply_chat_template(messages, tools=tools or None, chat_template=template, tokenize=False, add_generation_prompt=add_generation_prompt)
    except Exception as e:  # noqa: BLE001 - any exception is the template refusing (raise_exception, TypeError, RecursionError...)
        return None, last_line(e)
    if not isinstance(text, str) or not text:
        return None, "rendered to nothing"
    return text, None


def render_verdict(tokenizer, template, messages, tools):
    """("renders", None) or ("refuses", error) for one conversation under one template."""
    text, error = render_text(tokenizer, template, messages, tools)
    return ("renders", None) if text is not None else ("refuses", error)


def prompt_is_prefix(tokenizer, template, prompt, messages, tools):
    """Whether the prompt rendered alone, as TRL renders it (add_generation_prompt=True), starts the conversation rendered whole (TRL's check, in text); None when either refuses."""
    alone, _ = render_text(tokenizer, template, prompt, tools, add_generation_prompt=True)
    whole, _ = render_text(tokenizer, template, messages, tools)
    if alone is None or whole is None:
        return None
    return whole.startswith(alone)


def check_renders(plan, raw, tokenizer, templates, failures, stats):
    for f in plan["files"]:
        if f["kind"] not in ("sft", "preference") or f["path"] not in raw:
            continue
        where_file = label_of(f)
        for i, rec in enumerate(raw[f["path"]]):
            pred = f["records"][i] if i < len(f["records"]) else None
            stats["records_rendered"] += 1
            if pred is None or pred["errors"]:
                failures.add("validator errors in an exported record", f"{where_file} record {i + 1}", (pred or {}).get("errors", ["no prediction"])[0])
                continue
            convs = conversations(rec, f["kind"])
            split = prompts(rec, f["kind"])
            tools = tools_of(rec)
            for tname, tsrc in templates.items():
                stats["pairs"] += 1
                agree = True
                for label, messages in convs:
                    predicted = pred["verdicts"].get(tname, {}).get(label, "renders")
                    actual, error = render_verdict(tokenizer, tsrc, messages, tools)
                    if predicted == actual == "renders" and split.get(label):
                        # TRL renders the prompt alone and masks the completion by its length: the validator predicts when that is off.
                        predicted_not_prefix = label in pred.get("promptNotPrefix", {}).get(tname, [])
                        is_prefix = prompt_is_prefix(tokenizer, tsrc, split[label], messages, tools)
                        if is_prefix is not None and is_prefix == predicted_not_prefix:
                            agree = False
                            cls = f"prompt alone {'is' if is_prefix else 'is not'} the start of prompt+completion in Python, validator says {'not' if predicted_not_prefix else 'it is'}: {tname}"
                            failures.add(cls, f"{where_file} record {i + 1} template {tname} {label}", f"prompt rendered alone (add_generation_prompt) starts prompt+completion: validator {not predicted_not_prefix}, Python {is_prefix}")
                        continue
                    if predicted == actual:
                        continue
                    agree = False
                    reason = pred["reasons"].get(tname, "")
                    if predicted == "unchecked":
                        cls = f"validator cannot predict: {tname} ({reason[:80]})"
                    elif actual == "refuses":
                        cls = f"Python refuses, validator says renders: {tname}: {error[:110]}"
                    else:
                        cls = f"validator says refuses, Python renders: {tname}: {reason[:110]}"
                    failures.add(cls, f"{where_file} record {i + 1} template {tname} {label}",
                                 f"validator: {predicted}{f' ({reason})' if reason and predicted != 'renders' else ''}; Python: {actual}{f' ({error})' if error else ''}")
                if agree:
                    stats["agree"] += 1


def templates_for(f, templates):
    """The chat templates the validator predicts render every conversation of every record of `f`."""
    ok = []
    for tname in templates:
        if all(not r["errors"] and all(v == "renders" for v in r["verdicts"].get(tname, {}).values()) for r in f["records"]):
            ok.append(tname)
    return ok


def predicted_mismatches(f, tname):
    """How many times TRL should warn that a prompt is not a prefix under `tname`: once per conversation the validator names (rule template.prompt-not-prefix)."""
    if tname is None:
        return 0
    return sum(len(r.get("promptNotPrefix", {}).get(tname, [])) for r in f["records"])


def trainer_dataset(f, work):
    """The file as the trainer takes it, loaded with `datasets` (OpenAI records converted first, see records.py)."""
    from datasets import load_dataset

    path = f["path"]
    if f["format"] == "openai" and f["kind"] in ("sft", "preference"):
        path = f["path"] + ".trl.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for rec in read_records(f["path"]):
                out.write(json.dumps(for_trainer(rec, f["kind"]), ensure_ascii=False) + "\n")
    return load_dataset("json", data_files=path, split="train", cache_dir=os.path.join(work, "hf-datasets"))


LENGTH_LIMIT = 2048
MISMATCH = "Mismatch between tokenized prompt"


class TrlWarnings(logging.Handler):
    """Counts TRL's "prompt is not a prefix of prompt+completion" warnings (its completion masks are then wrong) and keeps them off the output."""

    def __init__(self):
        super().__init__()
        self.mismatches = 0

    def emit(self, record):
        if MISMATCH in record.getMessage():
            self.mismatches += 1


def _ids_length(example):
    return sum(len(v) for k, v in example.items() if k.endswith("_ids") and isinstance(v, list))


def loses_completion(example):
    """Whether a trainer with max_length LENGTH_LIMIT (truncating the end) would keep no completion token of this processed example."""
    if "completion_mask" in example and example["completion_mask"]:
        first = next((i for i, m in enumerate(example["completion_mask"]) if m), None)
        return first is None or first >= LENGTH_LIMIT
    if "prompt_ids" in example:
        return len(example["prompt_ids"]) >= LENGTH_LIMIT
    return False


STEP_TOKENS = 1024


def shortened(example):
    """
    The example as the 2 steps see it: at most the last STEP_TOKENS tokens of each sequence (the
    end, where the completion is; a DPO prompt's end and each answer's start). The steps check
    that the trainer's collator, forward and backward take the data; the full length was already
    prepared, and a 30,000-token DPO pair costs minutes of CPU for nothing more.
    """
    n = len(example.get("input_ids") or [])
    out = dict(example)
    for k, v in example.items():
        if n and isinstance(v, list) and len(v) == n:
            out[k] = v[-STEP_TOKENS:]
    if isinstance(example.get("prompt_ids"), list):
        out["prompt_ids"] = example["prompt_ids"][-STEP_TOKENS // 2:]
        for k in ("chosen_ids", "rejected_ids"):
            if isinstance(example.get(k), list):
                out[k] = example[k][:STEP_TOKENS // 2]
    return out


def train_one(f, trainer_name, template, tokenizer, work, trl_warnings, steps, expected_mismatches=0):
    """
    One TRL trainer on one file under one chat template: the trainer prepares every record
    (tokenization, masks; no max_length, so nothing is cut), then, when `steps`, trains 2 steps
    (batch 1) on the two shortest prepared examples, shortened (CPU time). Returns (loss or None, examples
    that lose their whole completion at max_length LENGTH_LIMIT, examples prepared); raises on a
    crash, on examples the trainer drops, and when TRL warns that a completion mask is wrong other
    than `expected_mismatches` times (the validator's prediction, template.prompt-not-prefix).
    """
    from transformers.trainer_callback import PrinterCallback

    from tiny import causal_lm, token_classifier

    common = dict(
        output_dir=os.path.join(work, "trainer-out"),
        max_steps=2,
        per_device_train_batch_size=1,
        gradient_accumulation_steps=1,
        learning_rate=1e-4,
        logging_strategy="no",
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        max_length=None,
        dataloader_num_workers=0,
    )
    dataset = trainer_dataset(f, work)
    tokenizer.chat_template = template
    trl_warnings.mismatches = 0
    if trainer_name == "SFTTrainer":
        from trl import SFTConfig, SFTTrainer

        trainer = SFTTrainer(model=causal_lm(tokenizer), args=SFTConfig(**common), train_dataset=dataset, processing_class=tokenizer)
    elif trainer_name == "DPOTrainer":
        from trl import DPOConfig, DPOTrainer

        trainer = DPOTrainer(model=causal_lm(tokenizer), ref_model=causal_lm(tokenizer), args=DPOConfig(**common), train_dataset=dataset, processing_class=tokenizer)
    else:
        from trl.experimental.prm import PRMConfig, PRMTrainer

        sep = f.get("stepSeparator") or "\n"
        trainer = PRMTrainer(model=token_classifier(tokenizer), args=PRMConfig(step_separator=sep, **common), train_dataset=dataset, processing_class=tokenizer)
    trainer.remove_callback(PrinterCallback)
    prepared = trainer.train_dataset
    if len(prepared) < len(dataset):
        raise LookupError(f"dropped {len(dataset) - len(prepared)} of {len(dataset)} examples as fully masked (nothing to learn)")
    if trl_warnings.mismatches != expected_mismatches:
        if not expected_mismatches:
            raise AssertionError(f"TRL warned {trl_warnings.mismatches} times for {len(dataset)} examples that the prompt rendered alone is not the start of the prompt rendered with its completion, so its completion mask is off")
        raise AssertionError(f"TRL warned {trl_warnings.mismatches} times for {len(dataset)} examples that the prompt rendered alone is not the start of the prompt rendered with its completion; the validator predicted {expected_mismatches} (template.prompt-not-prefix)")
    lengths = [_ids_length(ex) for ex in prepared]
    too_long = sum(1 for ex in prepared if loses_completion(ex))
    if not steps:
        return None, too_long, len(prepared)
    trainer.train_dataset = prepared.select(sorted(range(len(prepared)), key=lambda i: lengths[i])[:2]).map(shortened)
    loss = trainer.train().training_loss
    if loss is None or not math.isfinite(loss):
        raise FloatingPointError(f"training loss is {loss}")
    return loss, too_long, len(prepared)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plan")
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--every-template", action="store_true", help="train 2 steps under every template, not one per file")
    ap.add_argument("--runs-log", help="write one line per trainer run to this file instead of standard output")
    args = ap.parse_args()
    started = time.time()
    with open(args.plan, encoding="utf-8") as fh:
        plan = json.load(fh)
    work = os.path.dirname(os.path.abspath(args.plan))
    failures = Failures()

    import datasets
    import transformers

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.logging.set_verbosity_error()
    from tiny import train_tokenizer

    for problem in plan["selectionProblems"]:
        failures.add("selection is stale", problem.split(":")[0], problem)
    for p in plan["promotions"]:
        if p["refused"]:
            trace = "" if p.get("trace") is None else f" #{p['trace']}"
            failures.add(f"promotion refused: {p['refused'][0].split(': ', 1)[-1][:100]}", f"{p['source']}{trace} [{p['variant']}]", " | ".join(p["refused"][:3]))

    # 1. datasets
    raw = {}
    loaded = 0
    for f in plan["files"]:
        raw[f["path"]] = read_records(f["path"])
        try:
            datasets.load_dataset("json", data_files=f["path"], split="train", cache_dir=os.path.join(work, "hf-datasets"))
            loaded += 1
        except Exception as e:  # noqa: BLE001
            failures.add(f"datasets cannot load: {last_line(e)}", label_of(f), last_line(e))
    print(f"  datasets loaded {loaded}/{len(plan['files'])} files ({time.time() - started:.0f} s)", flush=True)

    # 2. renders
    tokenizer = train_tokenizer(s for recs in raw.values() for rec in recs for s in all_text(rec))
    templates = OrderedDict()
    for name, path in plan["templates"].items():
        with open(path, encoding="utf-8") as fh:
            templates[name] = fh.read()
    stats = {"records_rendered": 0, "pairs": 0, "agree": 0}
    render_started = time.time()
    check_renders(plan, raw, tokenizer, templates, failures, stats)
    print(f"  rendered {stats['records_rendered']} records x {len(templates)} templates ({time.time() - render_started:.0f} s)", flush=True)

    # 3. trainers
    runs = {name: [0, 0, 0] for name in TRAINABLE.values()}  # passed, failed, files no template renders
    steps_run = {name: 0 for name in TRAINABLE.values()}
    length = {"examples": 0, "lose_completion": 0}
    train_started = time.time()
    if not args.no_train:
        datasets.disable_caching()
        trl_warnings = TrlWarnings()
        trl_logger = logging.getLogger("trl")
        trl_logger.addHandler(trl_warnings)
        trl_logger.propagate = False
        seen = {}
        # One line per run is hundreds of lines: with --runs-log they go to that file, and standard
        # output gets a progress line now and then (a CI log stays readable, failures stay in it).
        runs_log = open(args.runs_log, "w", encoding="utf-8") if args.runs_log else sys.stdout
        files_trained = 0
        for f in plan["files"]:
            trainer_name = TRAINABLE.get(f["kind"])
            if not trainer_name or not f["records"]:
                continue
            # The stepwise file does not depend on the set format: train each distinct file once.
            with open(f["path"], "rb") as fh:
                key = (trainer_name, f["format"] if trainer_name != "PRMTrainer" else "", f.get("stepSeparator"), hashlib.sha256(fh.read()).hexdigest())
            if key in seen:
                continue
            seen[key] = label_of(f)
            files_trained += 1
            if runs_log is not sys.stdout and files_trained % 25 == 0:
                print(f"  {files_trained} files through the trainers ({time.time() - train_started:.0f} s)", flush=True)
            names = [None] if trainer_name == "PRMTrainer" else templates_for(f, templates)
            if not names:
                runs[trainer_name][2] += 1
                failures.add("no chat template renders the whole file (by the validator's prediction)", f"{label_of(f)} {trainer_name}",
                             "; ".join(f"{t}: {next((r['reasons'][t] for r in f['records'] if t in r['reasons']), 'record errors')}" for t in templates)[:300])
                continue
            # Every template prepares the whole file; 2 steps run under one of them (a different one file after file),
            # never one under which the validator says TRL masks a completion wrongly (that one only prepares, and must warn as predicted).
            first = len(seen) % len(names)
            ordered = names[first:] + names[:first]
            masked_right = [t for t in ordered if not predicted_mismatches(f, t)]
            if not masked_right:
                failures.add("no chat template renders every prompt as the start of its conversation (by the validator's prediction)", f"{label_of(f)} {trainer_name}",
                             ", ".join(f"{t}: {predicted_mismatches(f, t)} conversations" for t in ordered))
            stepped = False
            for tname in masked_right + [t for t in ordered if t not in masked_right]:
                expected = predicted_mismatches(f, tname)
                steps = (args.every_template or not stepped) and not expected
                t0 = time.time()
                try:
                    loss, too_long, prepared = train_one(f, trainer_name, templates.get(tname), tokenizer, work, trl_warnings, steps, expected)
                    runs[trainer_name][0] += 1
                    stepped = stepped or steps
                    steps_run[trainer_name] += 1 if steps else 0
                    length["examples"] += prepared
                    length["lose_completion"] += too_long
                    print(f"  ✓ {trainer_name} {tname or '-'} {label_of(f)} {f'2 steps, loss {loss:.3f}' if steps else 'prepared'}{f', {expected} prompt-not-prefix warnings as predicted' if expected else ''} ({time.time() - t0:.1f} s)", file=runs_log, flush=True)
                except Exception as e:  # noqa: BLE001 - any crash is the finding
                    runs[trainer_name][1] += 1
                    failures.add(f"{trainer_name}: {last_line(e)}", f"{label_of(f)} {trainer_name} template {tname or '-'}", last_line(e))

        if runs_log is not sys.stdout:
            runs_log.close()
            print(f"  {files_trained} files through the trainers; one line per run in {args.runs_log}", flush=True)

    # 4. summary
    files_by_kind = OrderedDict()
    for f in plan["files"]:
        files_by_kind[f["kind"]] = files_by_kind.get(f["kind"], 0) + 1
    records = sum(len(f["records"]) for f in plan["files"])
    pct = 100.0 * stats["agree"] / stats["pairs"] if stats["pairs"] else 100.0
    print()
    print("[trainer check] summary")
    print(f"  promotions             {len(plan['promotions'])} ({sum(1 for p in plan['promotions'] if p['refused'])} refused)")
    print(f"  files                  {len(plan['files'])} ({', '.join(f'{k} {v}' for k, v in files_by_kind.items())}); loaded by datasets {loaded}")
    print(f"  records                {records}")
    print(f"  (record, template)     {stats['pairs']} pairs, {stats['agree']} agree with the validator ({pct:.1f}%)")
    if args.no_train:
        print("  trainer runs           not run (--no-train)")
    else:
        for name, (ok, bad, skipped) in runs.items():
            print(f"  {name:<22} {ok + bad} (file, template) runs, {bad} of them failed; {steps_run[name]} trained 2 steps{f'; {skipped} files no template renders' if skipped else ''}")
        print(f"  at max_length {LENGTH_LIMIT:<9} {length['lose_completion']} of {length['examples']} prepared examples would lose their whole completion (not a failure: promote with --max-tokens)")
        print(f"  training took          {time.time() - train_started:.0f} s")
    groups = failures.summary()
    if groups:
        print()
        print(f"[trainer check] {len(failures.items)} failures in {len(groups)} classes")
        for cls, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            where, detail = items[0]
            print(f"  {len(items):>4}  {cls}")
            print(f"        e.g. {where}: {detail}")
    print(f"[trainer check] in Python: {'FAILED' if groups else 'all checks agree'} ({time.time() - started:.0f} s)")
    # Counted checks for the closing line that run.ts prints: each file loaded, each (record, template)
    # verdict compared, each trainer run; a failure is one recorded finding.
    passed = loaded + stats["agree"] + sum(ok for ok, _, _ in runs.values())
    with open(os.path.join(os.path.dirname(args.plan), "counts.json"), "w", encoding="utf-8") as fh:
        json.dump({"passed": passed, "failed": len(failures.items)}, fh)
    return 1 if groups else 0


if __name__ == "__main__":
    sys.exit(main())
