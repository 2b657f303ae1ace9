#!/usr/bin/env python3
"""Compare `soapbridge inspect --json` with zeep's reading of the same WSDLs.

    compare_inspect.py [options] SOAPBRIDGE_BINARY WSDL_OR_DIR...

For each contract, runs `SOAPBRIDGE inspect --json WSDL` and `zeep_inspect.py WSDL`
(with the peers' python: --python, else $SOAPBRIDGE_PEERS_PYTHON, else this
interpreter), and compares:
  * the services (by name) and their ports (by name): binding QName,
    soap_version, address;
  * per port, the set of operations (by name): soap_action ("" and null are the
    same: zeep sends `SOAPAction: ""` for both), one_way, style (where zeep knows
    it, i.e. not for HTTP GET/POST bindings), the fault names, and for
    document-style operations the input/output body element QName.
Ports that zeep cannot read (non-HTTP SOAP transports such as JMS, unknown
bindings) are reported as notes and not compared.

A directory argument stands for its `*/*.wsdl` and `*.wsdl` files, minus
`*-abstract.wsdl` (abstract halves that are imported by the concrete contract).

Prints a diff per failing contract and a closing line
`N contracts compared, N passed, N failed`; exits 1 when any contract failed.
This script itself needs only the standard library.
"""

import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ZEEP_INSPECT = os.path.join(HERE, "zeep_inspect.py")


# ---------------------------------------------------------------------------
# Normalization: both sides become
#   {service: {port: {"binding", "soap_version", "address", "operations": {name: {...}}}}}
# ---------------------------------------------------------------------------
def norm_action(value):
    """soapAction="" and no soapAction both mean an empty SOAPAction header."""
    if value is None or value == "":
        return None
    return value


def _index(items, what, where, problems):
    out = {}
    for item in items or []:
        name = item.get("name")
        if name in out:
            problems.append("%s: duplicate %s %r" % (where, what, name))
        out[name] = item
    return out


def _fault_names(faults):
    names = []
    for f in faults or []:
        names.append(f.get("name") if isinstance(f, dict) else f)
    return sorted(str(n) for n in names)


def _message_element(message):
    if not message:
        return None
    return message.get("element")


def normalize_soapbridge(doc, problems):
    services = {}
    for svc in _index(doc.get("services"), "service", "soapbridge", problems).values():
        ports = {}
        where = "soapbridge: services/%s" % svc.get("name")
        for port in _index(svc.get("ports"), "port", where, problems).values():
            ops = {}
            pwhere = "%s/ports/%s" % (where, port.get("name"))
            for op in _index(port.get("operations"), "operation", pwhere, problems).values():
                ops[op.get("name")] = {
                    "soap_action": norm_action(op.get("soap_action")),
                    "one_way": bool(op.get("one_way")),
                    "style": op.get("style"),
                    "input_element": _message_element(op.get("input")),
                    "output_element": _message_element(op.get("output")),
                    "faults": _fault_names(op.get("faults")),
                }
            ports[port.get("name")] = {
                "binding": port.get("binding"),
                "soap_version": port.get("soap_version"),
                "address": port.get("address"),
                "operations": ops,
            }
        services[svc.get("name")] = ports
    return services


def normalize_zeep(doc, problems):
    services = {}
    for svc in _index(doc.get("services"), "service", "zeep", problems).values():
        ports = {}
        for port in svc.get("ports") or []:
            ops = {}
            for op in port.get("operations") or []:
                ops[op.get("name")] = {
                    "soap_action": norm_action(op.get("soap_action")),
                    "one_way": bool(op.get("one_way")),
                    "style": op.get("style"),
                    "input_element": op.get("input_element"),
                    "output_element": op.get("output_element"),
                    "faults": sorted(op.get("faults") or []),
                }
            ports[port.get("name")] = {
                "binding": port.get("binding"),
                "soap_version": port.get("soap_version"),
                "address": port.get("address"),
                "operations": ops,
                "binding_kind": port.get("binding_kind"),
            }
        services[svc.get("name")] = ports
    ignored = {(p.get("service"), p.get("name")): p.get("reason") for p in doc.get("ignored_ports") or []}
    return services, ignored


# ---------------------------------------------------------------------------
def compare(sb_doc, zeep_doc):
    """Returns (differences, notes): lists of human-readable lines."""
    diffs, notes = [], []
    sb = normalize_soapbridge(sb_doc, diffs)
    zp, ignored = normalize_zeep(zeep_doc, diffs)

    def show(v):
        return json.dumps(v)

    for sname in sorted(set(sb) | set(zp), key=str):
        spath = "services/%s" % sname
        if sname not in zp:
            diffs.append("%s: only in soapbridge" % spath)
            continue
        if sname not in sb:
            diffs.append("%s: only in zeep" % spath)
            continue
        sports, zports = sb[sname], zp[sname]
        for pname in sorted(set(sports) | set(zports), key=str):
            ppath = "%s/ports/%s" % (spath, pname)
            if pname not in zports:
                reason = ignored.get((sname, pname))
                if reason is not None:
                    notes.append("%s: not compared, zeep ignores this port (%s)" % (ppath, reason))
                else:
                    diffs.append("%s: only in soapbridge" % ppath)
                continue
            if pname not in sports:
                diffs.append("%s: only in zeep" % ppath)
                continue
            sp, zpp = sports[pname], zports[pname]
            for key in ("binding", "soap_version", "address"):
                if sp[key] != zpp[key]:
                    diffs.append(
                        "%s: %s: soapbridge=%s zeep=%s" % (ppath, key, show(sp[key]), show(zpp[key]))
                    )
            sops, zops = sp["operations"], zpp["operations"]
            for oname in sorted(set(sops) | set(zops), key=str):
                opath = "%s/operations/%s" % (ppath, oname)
                if oname not in zops:
                    diffs.append("%s: only in soapbridge" % opath)
                    continue
                if oname not in sops:
                    diffs.append("%s: only in zeep" % opath)
                    continue
                so, zo = sops[oname], zops[oname]
                keys = ["soap_action", "one_way", "faults"]
                if zo["style"] is not None:
                    keys.append("style")
                if zo["style"] == "document" and so["style"] in ("document", None):
                    keys.append("input_element")
                    if not zo["one_way"]:
                        keys.append("output_element")
                for key in keys:
                    if so[key] != zo[key]:
                        diffs.append(
                            "%s: %s: soapbridge=%s zeep=%s" % (opath, key, show(so[key]), show(zo[key]))
                        )
    return diffs, notes


# ---------------------------------------------------------------------------
def run_json(cmd, timeout):
    try:
        proc = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, "could not run %s: %s" % (" ".join(cmd), exc)
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        return None, "%s exited %d: %s" % (
            " ".join(cmd),
            proc.returncode,
            "\n      ".join(err[-15:]) if err else "(no output)",
        )
    try:
        return json.loads(proc.stdout), None
    except json.JSONDecodeError as exc:
        return None, "%s printed invalid JSON: %s" % (" ".join(cmd), exc)


def expand(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(set(glob.glob(os.path.join(p, "*.wsdl")) + glob.glob(os.path.join(p, "*", "*.wsdl"))))
            out.extend(f for f in found if not f.endswith("-abstract.wsdl"))
        else:
            out.append(p)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("soapbridge", help="path of the soapbridge binary")
    ap.add_argument("wsdl", nargs="+", help="WSDL files, or directories of contracts")
    ap.add_argument(
        "--python",
        default=os.environ.get("SOAPBRIDGE_PEERS_PYTHON") or sys.executable,
        help="python with zeep (default: $SOAPBRIDGE_PEERS_PYTHON, else this interpreter)",
    )
    ap.add_argument("--lax", action="store_true", help="zeep with strict=False")
    ap.add_argument("--allow-remote", action="store_true", help="passed to both sides")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per command (300)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print notes of passing contracts too")
    args = ap.parse_args(argv)

    contracts = expand(args.wsdl)
    if not contracts:
        print("compare_inspect: no contracts found in %s" % " ".join(args.wsdl), file=sys.stderr)
        return 2

    passed = failed = 0
    for wsdl in contracts:
        sb_cmd = [args.soapbridge, "inspect", "--json", wsdl]
        zp_cmd = [args.python, ZEEP_INSPECT, "--compact", wsdl]
        if args.allow_remote:
            sb_cmd.append("--allow-remote")
            zp_cmd.append("--allow-remote")
        if args.lax:
            zp_cmd.append("--lax")
        errors = []
        sb_doc, err = run_json(sb_cmd, args.timeout)
        if err:
            errors.append("soapbridge: " + err)
        zp_doc, err = run_json(zp_cmd, args.timeout)
        if err:
            errors.append("zeep: " + err)
        if errors:
            failed += 1
            print("FAIL %s" % wsdl)
            for e in errors:
                print("  ! %s" % e)
            continue
        diffs, notes = compare(sb_doc, zp_doc)
        if diffs:
            failed += 1
            print("FAIL %s (%d difference%s)" % (wsdl, len(diffs), "" if len(diffs) == 1 else "s"))
            for d in diffs:
                print("  - %s" % d)
            for n in notes:
                print("  note: %s" % n)
        else:
            passed += 1
            print("PASS %s" % wsdl)
            if args.verbose or notes:
                for n in notes:
                    print("  note: %s" % n)
    print("%d contracts compared, %d passed, %d failed" % (passed + failed, passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
