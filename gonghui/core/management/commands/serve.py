from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class WorkerKeeper:
    """The background worker beside the web server, started again whenever it exits."""

    def __init__(self, command: list[str] | None = None, interval: float = 5.0) -> None:
        self.command = command or [sys.executable, "-m", "gonghui.cli", "worker"]
        self.interval = interval
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="gonghui-worker-keeper",
                                       daemon=True)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopping.wait(self.interval):
            if self.process is not None and self.process.poll() is not None:
                sys.stderr.write(
                    f"后台任务进程已退出（状态 {self.process.returncode}），正在重新启动\n"
                )
                self.restarts += 1
                self.process = subprocess.Popen(self.command)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=self.interval + 1)
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Command(BaseCommand):
    help = "Serve Gonghui with gunicorn (the production WSGI server), static files included."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=0, help="worker processes (default: 2 × cores + 1)"
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="do not apply pending migrations before serving",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background worker (run `gonghui worker` yourself)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.IS_PRODUCTION:
            from gonghui.core.ops.production import demo_problems

            problems = demo_problems()
            if problems:
                raise CommandError(
                    "生产配置（GONGHUI_ENV=production）拒绝启动：" + "；".join(problems) + "。"
                    "演示数据库只能以 GONGHUI_ENV=demo 运行（make demo）；生产环境请使用新建的"
                    "数据库，并用 gonghui user create 建立各自的账号。"
                )
        # Hashed, compressed copies for whitenoise; cheap when nothing changed.
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.core.servers.basehttp import get_internal_wsgi_application

        application = get_internal_wsgi_application()

        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"] or multiprocessing.cpu_count() * 2 + 1,
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 120,
            "accesslog": "-",
            "preload_app": True,
        }

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        db = settings.DATABASES["default"]
        worker = None if options["no_worker"] else WorkerKeeper()
        if worker is not None:
            # Imports run in the background; one worker beside the web server is all the
            # embedded default needs, it is started again if it dies, and it ends with the
            # server.
            worker.start()
        self.stdout.write(f"工会工作平台 serving at http://{bind}/  (database: {db['NAME']})")
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.stop()
