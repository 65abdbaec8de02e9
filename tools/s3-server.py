"""moto's S3 server with its buckets kept on disk, for the development and CI stacks.

moto keeps objects in memory, so a restart of the S3 server used to lose every archive. This
wrapper serves the same moto app and writes the S3 state (buckets with their objects, versions,
versioning, lifecycle rules and policies; object tags) to DIR/s3-state.pickle: at most 0.5 s after
a write request, and at exit (SIGTERM/SIGINT). On start it loads that file. A SIGKILL may lose the
writes of the last half second; a stop with SIGTERM loses nothing.

    python3 tools/s3-server.py --host 127.0.0.1 --port 54566 --dir /tmp/coinhts-services.X/s3
"""
import argparse
import os
import pickle
import signal
import sys
import threading

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

STATE_FILE = "s3-state.pickle"


def backend():
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def load(path):
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        state = pickle.load(f)
    be = backend()
    be.buckets.clear()
    be.buckets.update(state["buckets"])
    if state.get("tagger") is not None:
        be.tagger = state["tagger"]
    return len(state["buckets"])


def save(path, lock):
    """Writes the state atomically (temporary file, fsync, rename). Returns False when a request changed it meanwhile."""
    be = backend()
    with lock:
        try:
            data = pickle.dumps({"buckets": dict(be.buckets), "tagger": be.tagger}, protocol=pickle.HIGHEST_PROTOCOL)
        except RuntimeError:
            return False  # a dict changed size while pickling: try again on the next tick
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    path = os.path.join(args.dir, STATE_FILE)
    n = load(path)
    print(f"s3-server: {n} buckets loaded from {path}", file=sys.stderr, flush=True)

    dirty = threading.Event()
    lock = threading.Lock()
    app = DomainDispatcherApplication(create_backend_app)

    def tracking(environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS"):
            dirty.set()
        return app(environ, start_response)

    server = make_server(args.host, args.port, tracking, threaded=True)
    stopping = threading.Event()

    def snapshots():
        while not stopping.is_set():
            stopping.wait(0.5)
            if dirty.is_set():
                dirty.clear()
                if not save(path, lock):
                    dirty.set()

    saver = threading.Thread(target=snapshots, daemon=True)
    saver.start()

    def stop(_sig, _frame):
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"s3-server: listening on {args.host}:{args.port}", file=sys.stderr, flush=True)
    server.serve_forever()
    saver.join()
    for _ in range(5):
        if save(path, lock):
            break
    print("s3-server: state saved, bye", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
