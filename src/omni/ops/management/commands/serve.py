"""`omni serve`: the web server (gunicorn, threaded) with static files from whitenoise."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web console and the API."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, bind: str, workers: int, threads: int, **options):
        from gunicorn.app.base import BaseApplication

        from omni.config.wsgi import application

        class Server(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", bind)
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                self.cfg.set("accesslog", "-")
                self.cfg.set("timeout", 120)

            def load(self):
                return application

        self.stdout.write(f"Omni is serving on http://{bind}/")
        Server().run()
