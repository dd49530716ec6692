"""No printer installed, in a real window: the first paper asks for a folder (Qt's own dialog, in
Chinese), the papers go there under the kind and case number, and the next paper is not asked."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from app.services.bootstrap import Services
from app.services.residents import ResidentInput
from tests.ui_window.realwindow import display, missing_tools, wait_for
from tests.ui_window.test_real_window import ELDER, ONEWINDOW, SETTLE


def test_first_paper_asks_for_a_folder_once(tmp_path: Path) -> None:
    assert not missing_tools(), missing_tools()
    url = f"sqlite:///{(tmp_path / 'centre.db').as_posix()}"
    subprocess.run([ONEWINDOW, "--db", url, "init-db"], check=True, capture_output=True)
    services = Services.for_url(url)
    try:
        clerk = services.centre.sign_in("clerk1", "onewindow")
        services.residents.register(ResidentInput(ELDER, "张秀兰"), clerk)
        centre = services.centre.overview().centre
        services.queue.issue_ticket(centre.id, "jiuye_chuangye", id_number=ELDER)
    finally:
        services.close()
    papers = tmp_path / "papers"
    papers.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    shots = Path(os.environ.get("ONEWINDOW_SHOTS", tmp_path))
    with display() as d:
        d.failure_shot = shots / "paper-folder-failed.png"
        env = {**d.env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
        env.pop("ONEWINDOW_PRINT_DIR", None)
        env["ONEWINDOW_DATA_DIR"] = str(tmp_path / "data")
        log = (tmp_path / "app.log").open("w")
        app = subprocess.Popen([ONEWINDOW, "--db", url], env=env, stdout=log, stderr=log)
        try:
            wait_for(lambda: d.active_window_name(), 30, "the sign-in dialog", d)
            d.type("clerk1")
            d.key("Tab")
            d.type("onewindow")
            d.key("Return")
            wait_for(lambda: "便民服务中心" in d.active_window_name(), 30, "the main window", d)
            time.sleep(2)  # the centre's name becomes the title
            main = d.active_window_name()
            d.key("F2")
            d.type(ELDER)
            d.key("Return")
            time.sleep(SETTLE)
            d.type("sydj")
            d.key("Return")
            time.sleep(SETTLE)
            d.key("1")
            d.type("2026-11-01")
            d.key("ctrl+m", "F8")
            wait_for(lambda: "未安装打印机" in d.active_window_name(), 30, "the folder question", d)
            d.shot(shots / "paper-folder-dialog.png")
            d.type(str(papers))
            d.key("Return")  # 选择: the folder typed is chosen
            done = wait_for(lambda: sorted(papers.glob("办结通知书-*.pdf")), 30, "the paper", d)
            assert len(done) == 1  # type: ignore[arg-type]
            wait_for(lambda: d.active_window_name() == main, 10, "the main window again", d)

            # the next paper goes to the same folder unasked: the form, by Ctrl+E
            d.type("sydj")
            d.key("Return")
            time.sleep(SETTLE)
            d.key("ctrl+e")
            wait_for(lambda: sorted(papers.glob("*申请表*.pdf")), 30, "the form", d)
            assert d.active_window_name() == main
        finally:
            app.terminate()
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
    services = Services.for_url(url)
    try:
        (case,) = services.cases.search(clerk, id_number=ELDER)
    finally:
        services.close()
    assert done[0].name == f"办结通知书-{case.case_number}.pdf"  # type: ignore[index]
