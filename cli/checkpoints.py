"""Signed checkpoints (SPEC §8): `checkpoint`, `prove`, and what `verify --checkpoint` adds."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import click

from cli.common import ledger_for, refuse_output, reports_errors, store_for
from cli.context import Settings, pass_settings
from cli.main import cli
from ledger.audit.against import CheckpointCheck, check_checkpoint
from ledger.audit.checkpoint import make_checkpoint
from ledger.audit.keyfiles import read_signer, read_verifier
from ledger.audit.locate import Located
from ledger.audit.proof import check, prove
from ledger.errors import LedgerError
from ledger.outputs import refuse_protected, replaced_whole
from ledger.storage.session import LedgerStore

FILE = click.Path(dir_okay=False, path_type=Path)


class CheckpointFileError(LedgerError):
    """A checkpoint or proof file that cannot be read."""


@cli.command("checkpoint")
@click.option("--key", "key_file", type=FILE, required=True, metavar="NAME.key",
              help="The private key that signs (made by `ledger keygen`).")
@click.option("--out", type=FILE, help="Write the note to this file (default: print it).")
@click.option("--origin", metavar="ORIGIN",
              help="The note's origin line (default: the last checkpoint's, else the key's name).")
@pass_settings
@reports_errors
def checkpoint_(settings: Settings, key_file: Path, out: Path | None, origin: str | None) -> None:
    """Sign the ledger's state as a C2SP tlog-checkpoint note and keep a copy in the ledger.

    The note holds the origin, the number of events N and the root of the RFC 6962 Merkle tree
    over the stored events, signed with Ed25519. Give it to someone outside the database's
    reach (an audit unit, a donor); `ledger verify --checkpoint` later shows whether the ledger
    still holds those N events, unchanged, and extends them. Refused (nothing signed) when the
    ledger no longer extends the last checkpoint it kept.

    \b
    Example:
      ledger checkpoint --key audit-unit.key --out checkpoints/2025-12-31.note
    """
    if out is not None:
        refuse_output(settings, out)
        refuse_protected(out, [key_file])  # nor the key that signs it
    key = read_signer(key_file)
    ledger = ledger_for(settings)
    made = make_checkpoint(ledger.store, key, now=ledger.now(), origin=origin)
    if out is None:
        click.echo(made.text, nl=False)
        return
    with replaced_whole(out) as partial:
        partial.write_text(made.text, encoding="utf-8")
    click.echo(f"wrote {out}: checkpoint #{made.number}, {made.checkpoint.size:,} events, root "
               f"{base64.b64encode(made.checkpoint.root).decode()} ({made.hashed:,} events "
               f"hashed, {made.seconds:.1f} s)")


@cli.command("prove")
@click.argument("event_id", required=False)
@click.option("--checkpoint", "checkpoint_file", type=FILE, metavar="FILE",
              help="The checkpoint note to prove the event against.")
@click.option("--check", "proof_file", type=FILE, metavar="PROOF.json",
              help="Check a proof instead (needs --public-key, never the ledger).")
@click.option("--public-key", "public_key", type=FILE, metavar="NAME.pub",
              help="The signer's public key, for --check.")
@pass_settings
@reports_errors
def prove_(settings: Settings, event_id: str | None, checkpoint_file: Path | None,
           proof_file: Path | None, public_key: Path | None) -> None:
    """Prove one event is in the ledger a checkpoint signed — or check such a proof.

    `prove EVENT_ID --checkpoint FILE` prints JSON: the event's stored bytes (and its fields
    read from them), its leaf index and the RFC 6962 inclusion proof against the checkpoint.
    `prove --check PROOF.json --public-key NAME.pub` checks it with the key alone, without the
    ledger — one payment proven to an auditor or a beneficiary, nobody else's records shown.

    \b
    Example:
      ledger prove pay-1703-000042-2025-06 --checkpoint 2025-12-31.note > proof.json
      ledger prove --check proof.json --public-key audit-unit.pub
    """
    if proof_file is not None:
        if event_id is not None or checkpoint_file is not None:
            raise click.UsageError("--check takes a proof alone, without EVENT_ID or --checkpoint")
        if public_key is None:
            raise click.UsageError("--check needs --public-key NAME.pub")
        checked = check(_read(proof_file), read_verifier(public_key))
        click.echo(f"proof checked: event {checked.event_id!r} is leaf {checked.leaf_index} of "
                   f"the {checked.checkpoint.size:,} events signed by {read_verifier(public_key).name} "
                   f"({checked.checkpoint.origin})")
        return
    if event_id is None or checkpoint_file is None:
        raise click.UsageError("give EVENT_ID --checkpoint FILE, or --check PROOF.json")
    click.echo(json.dumps(prove(store_for(settings), event_id, _read(checkpoint_file)), indent=2,
                          ensure_ascii=False))


def against_checkpoint(store: LedgerStore, checkpoint_file: Path | None,
                       public_key: Path | None) -> CheckpointCheck | None:
    """`verify --checkpoint FILE --public-key NAME.pub`, or None when neither is given."""
    if checkpoint_file is None and public_key is None:
        return None
    if checkpoint_file is None or public_key is None:
        raise click.UsageError("--checkpoint and --public-key go together")
    return check_checkpoint(store, _read(checkpoint_file), read_verifier(public_key))


def checkpoint_dict(result: CheckpointCheck) -> dict[str, object]:
    return {
        "ok": result.ok,
        "origin": result.checkpoint.origin,
        "size": result.checkpoint.size,
        "root": base64.b64encode(result.checkpoint.root).decode(),
        "key": result.key,
        "events": result.events,
        "ledger_root": base64.b64encode(result.root).decode(),
        "problem": result.problem,
        "first": _located(result.first()),
        "consistency_proof": None if result.consistency is None
        else [base64.b64encode(h).decode() for h in result.consistency],
        "kept": [{"number": k.number, "size": k.size, "made_at": k.made_at,
                  "signed_by_key": k.signed, "problem": k.problem,
                  "first": _located(k.located)} for k in result.kept],
        "seconds": round(result.seconds, 3),
    }


def checkpoint_text(result: CheckpointCheck) -> str:
    cp = result.checkpoint
    lines = [f"checkpoint {cp.origin}: {cp.size:,} events, signed by {result.key} — signature "
             "verified"]
    if result.problem is None:
        lines.append(f"the first {cp.size:,} events still have its root, and today's "
                     f"{result.events:,} events extend it (consistency proof of "
                     f"{len(result.consistency or ())} hashes verified)")
    else:
        lines.append(f"DAMAGED: {result.problem}")
        if result.located is not None:
            lines.append(f"  {result.located.describe()}")
    for k in result.kept:
        state = "reproduced" if k.problem is None else f"DAMAGED: {k.problem}"
        signer = "" if k.signed else " (signed by another key)"
        lines.append(f"kept checkpoint #{k.number} ({k.size:,} events, {k.made_at}){signer}: "
                     f"{state}")
        if k.located is not None:
            lines.append(f"  {k.located.describe()}")
    return "\n".join(lines)


def checkpoint_error(result: CheckpointCheck) -> str:
    first = result.first()
    where = "" if first is None else f": {first.describe()}"
    return f"the ledger does not match its signed checkpoints{where}"


def _located(found: Located | None) -> dict[str, object] | None:
    if found is None:
        return None
    return {"position": found.position, "leaf_index": found.index, "proven": found.proven,
            "cut_off": found.cut_off, "within": [found.after + 1, found.upto],
            "detail": found.describe()}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as wrong:
        raise CheckpointFileError(f"{path}: cannot be read ({wrong})") from None
