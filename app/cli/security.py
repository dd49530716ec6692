"""`onewindow security …`: the database's 等保 level and this desk's keys, as the machine's operator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.shell import services


def add_commands(sub: Any) -> None:
    """Register `security status | enable-level3 | export-keys FILE | import-keys FILE`."""
    sec = sub.add_parser("security", help="等保 level 3 and the keys of this desk")
    sec_sub = sec.add_subparsers(dest="security_command", required=True)
    sec_sub.add_parser("status", help="the database's level and whether this desk has its keys")
    sec_sub.add_parser(
        "enable-level3",
        help="encrypt every personal field (SM4) in one transaction; the key goes to the keyring",
    )
    ex = sec_sub.add_parser("export-keys", help="write this database's keys to a new 0600 file")
    ex.add_argument("file", type=Path)
    im = sec_sub.add_parser("import-keys", help="keep the keys of an exported file on this desk")
    im.add_argument("file", type=Path)
    sec.set_defaults(func=cmd_security)


def cmd_security(args: argparse.Namespace) -> int:
    root = services(args, operator=True)
    try:
        what = args.security_command
        if what == "status":
            status = root.security.status()
            print(
                f"数据库等保级别：{status.level}"
                + ("（个人信息已加密）" if status.level == 3 else "")
            )
            if not status.has_key:
                print(status.problem)
                return 3
            if status.level == 3:
                print("本机有个人信息密钥")
            return 0
        if what == "enable-level3":
            report = root.security.enable_level3()
            if report.already:
                print("数据库已是等保三级（个人信息已加密）")
                return 0
            total = sum(report.rows.values())
            print(
                f"已启用等保三级：加密 {total} 行（{report.seconds:.1f} 秒），密钥保存在本机密钥库"
            )
            print("同一中心的其他电脑：在本机 export-keys 写出密钥文件，再到那台电脑 import-keys")
            return 0
        if what == "export-keys":
            root.security.export_keys(args.file)
            print(f"密钥已写入 {args.file}（仅本账户可读）。请当面交接，导入后销毁该文件。")
            return 0
        level = root.security.import_keys(args.file)
        print("密钥已导入本机密钥库" + ("，可以读取已加密的个人信息" if level == 3 else ""))
        return 0
    finally:
        root.close()
