"""Uploads kept server-side by content hash (callbacks.uploads over the store's blobs), and the
upload paths of Surface and Calibration through the app's HTTP endpoint: the bytes travel in
one request, the browser keeps only ``{key, name, size}``, a link's ``data=<key>`` reopens the
upload, and a key that is gone falls back to the default data with a plain message."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest

from callbacks import uploads
from components.ids import Calibration, Surface, Uploads
from core.store import open_store
from tests.callbacks.dash_post import DashPoster
from tests.conftest import shared_file

CHAIN = "spx_2011-01-24.csv"


def _data_url(data: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@pytest.fixture
def chain_bytes():
    return shared_file(CHAIN).read_bytes()


def test_keep_stores_once_by_sha256_and_fetch_returns_the_bytes(parity, settings, chain_bytes):
    with parity.server.app_context():
        record = uploads.keep(_data_url(chain_bytes), CHAIN)
        assert record == {"key": hashlib.sha256(chain_bytes).hexdigest(), "name": CHAIN,
                          "size": len(chain_bytes)}
        assert uploads.fetch(record) == (chain_bytes, CHAIN)
        assert uploads.keep(_data_url(chain_bytes), "again.csv")["key"] == record["key"]
        assert uploads.lookup(record["key"]) == record
    # it is the store's blob, in the app's database: any worker (or machine, on PostgreSQL) has it
    assert open_store(settings.database_url).get_blob(record["key"]) == chain_bytes


def test_gone_malformed_and_non_upload_keys(parity):
    with parity.server.app_context():
        for bad in ("0" * 64, "../../etc/passwd", None, {"key": "abc"}):
            with pytest.raises(Exception, match="no longer on this server"):
                uploads.fetch(bad)
            assert uploads.lookup(bad if isinstance(bad, (str, type(None))) else "x") is None
        with pytest.raises(Exception, match="not a file"):
            uploads.keep("/etc/passwd", "p")      # a path is never read from a request


def test_multi_file_uploads_share_the_record_shape(parity):
    a, b = b"day,1\n", b"day,22\n"
    with parity.server.app_context():
        record = uploads.keep_many([_data_url(a), _data_url(b)], ["a.csv", "b.csv"])
        assert set(record) == {"key", "name", "size"} and record["size"] == len(a) + len(b)
        assert record["name"] == "a.csv, b.csv"
        assert uploads.fetch_many(record) == [(a, "a.csv"), (b, "b.csv")]
        assert uploads.lookup(record["key"]) == record
        one = uploads.keep_many([_data_url(a)], ["a.csv"])
        assert uploads.fetch_many(one) == [(a, "a.csv")]


def test_the_upload_limit_follows_the_setting(tmp_path):
    from app import Settings, create_app

    app = create_app(Settings(data_dir=str(tmp_path), warm_numba=False, max_upload_mb=0.001))
    with app.server.app_context():
        assert uploads.max_upload_bytes() == 1048
        with pytest.raises(Exception, match="limit"):
            uploads.keep(_data_url(b"x" * 2000), "big.csv")


# -- the Surface page through HTTP ---------------------------------------------------------

def _surface_load(poster, upload=None, linked=None, changed=()):
    return poster.post(f"{Surface.CHAIN_KEY}.data",
                       {f"{Surface.UPLOAD_STORE}.data": upload, f"{Uploads.SURFACE_LINK}.data": linked},
                       list(changed))


def test_surface_upload_is_sent_once_and_a_link_reopens_it(parity, chain_bytes):
    poster = DashPoster(parity)
    upload = {"contents": _data_url(chain_bytes), "filename": CHAIN}
    out = _surface_load(poster, upload, changed=[f"{Surface.UPLOAD_STORE}.data"])
    record = out[Uploads.SURFACE]["data"]
    key = hashlib.sha256(chain_bytes).hexdigest()
    assert record == {"key": key, "name": CHAIN, "size": len(chain_bytes)}
    assert out[Surface.CHAIN_KEY]["data"] == key
    info = json.dumps(out[Surface.CHAIN_INFO]["children"])
    assert "2011-01-24" in info and "1,290.59" in info          # the file's date and spot
    # a later callback (the fits) gets the key, not the bytes
    fits = poster.post(f"{Surface.SURFACE_GRAPH}.figure",
                       {f"{Surface.CHAIN_KEY}.data": key, f"{Surface.MODELS}.value": ["svi"],
                        f"{Surface.BETA}.value": 0.5, f"{Surface.SHOW}.value": "svi",
                        f"{Surface.EXPIRIES}.value": []}, [f"{Surface.CHAIN_KEY}.data"])
    assert "2011-01-24" in json.dumps(fits[Surface.SURFACE_GRAPH]["figure"]["layout"]["title"])
    # a reload of /surface?data=<key> (a fresh page: the link store set, nothing uploaded)
    from callbacks.cache import cache
    with parity.server.app_context():
        cache.clear()                  # another worker, or the cache expired: the store answers
    again = _surface_load(poster, None, linked=key)
    assert again[Uploads.SURFACE]["data"] == record and again[Surface.CHAIN_KEY]["data"] == key
    assert "2011-01-24" in json.dumps(again[Surface.CHAIN_INFO]["children"])
    assert again[Surface.LOAD_ALERT]["is_open"] is False
    # only the first request carried the file
    marker = base64.b64encode(chain_bytes[:3000]).decode()[:2000]
    carrying = [k for k, body in poster.sent if marker.encode() in body]
    assert len(carrying) == 1 and "surface-upload-record" in carrying[0]
    assert all(len(body) < 5000 for _, body in poster.sent[1:])


def test_surface_link_to_a_gone_upload_says_so_and_shows_the_sample(parity):
    poster = DashPoster(parity)
    out = _surface_load(poster, None, linked="ab" * 32)
    assert out[Surface.LOAD_ALERT]["is_open"] is True
    assert "no longer on this server; upload it again" in out[Surface.LOAD_ALERT]["children"]
    assert out[Surface.CHAIN_KEY]["data"] == "sample" and out[Uploads.SURFACE]["data"] is None


def test_surface_bad_upload_is_a_readable_alert(parity):
    poster = DashPoster(parity)
    out = _surface_load(poster, {"contents": _data_url(b"\x89PNG\r\n\x1a\nxxxx", "image/png"),
                                 "filename": "chart.png"}, changed=[f"{Surface.UPLOAD_STORE}.data"])
    assert out[Surface.LOAD_ALERT]["is_open"] is True and "chart.png" in out[Surface.LOAD_ALERT]["children"]


# -- the Calibration page ------------------------------------------------------------------

def test_calibration_upload_keeps_a_record_and_the_job_gets_only_the_key(parity, chain_bytes):
    from callbacks.calibration import chain_for, data_key

    poster = DashPoster(parity)
    out = poster.post(f"{Uploads.CALIBRATION}.data",
                      {f"{Calibration.UPLOAD_STORE}.data": {"contents": _data_url(chain_bytes),
                                                            "filename": CHAIN}},
                      [f"{Calibration.UPLOAD_STORE}.data"])
    record = out[Uploads.CALIBRATION]["data"]
    assert record["key"] == hashlib.sha256(chain_bytes).hexdigest() and record["name"] == CHAIN
    assert "2011-01-24" in json.dumps(out[Calibration.DATA_INFO]["children"])
    # the background job's input is this record; the chain comes from the store
    spec = [v for k, v in parity.callback_map.items() if f"{Calibration.RESULT}.data" in k
            and any(s["id"] == Uploads.CALIBRATION for s in v["state"])]
    assert spec, "the calibration job reads the upload record, not the upload store"
    with parity.server.app_context():
        chain = chain_for(record)
        assert str(chain.quote_date) == "2011-01-24" and abs(chain.spot - 1290.59) < 1e-9
        assert data_key(record) == record["key"] and data_key(None) == "sample"
    # a link reopens it; a gone key says so and uses the embedded chain
    again = poster.post(f"{Uploads.CALIBRATION}.data", {f"{Uploads.CALIBRATION_LINK}.data": record["key"]})
    assert again[Uploads.CALIBRATION]["data"] == record
    gone = poster.post(f"{Uploads.CALIBRATION}.data", {f"{Uploads.CALIBRATION_LINK}.data": "cd" * 32})
    assert gone[Uploads.CALIBRATION]["data"] is None
    assert "no longer on this server" in json.dumps(gone[Calibration.DATA_INFO]["children"])


# -- the Backtest page (multi-file) ----------------------------------------------------------

def test_backtest_files_are_kept_once_and_the_job_reads_them_by_key(parity):
    from callbacks.backtest import history_for, source_descriptor
    from components.ids import Backtest

    text = shared_file("spxw_2018-01_02.csv").read_text(encoding="utf-8-sig").splitlines()
    def rows(prefix):   # the rows quoted on the first days of a month (column 8: quotedate)
        return "\n".join([text[0]] + [l for l in text[1:] if l.split(",")[7].startswith(prefix)]).encode()

    jan, feb = rows("01/0"), rows("02/0")
    days = sorted({l.split(",")[7] for l in text[1:] if l.split(",")[7][:4] in ("01/0", "02/0")})
    poster = DashPoster(parity)
    out = poster.post(f"{Uploads.BACKTEST}.data",
                      {f"{Backtest.UPLOAD}.contents": [_data_url(jan), _data_url(feb)],
                       f"{Backtest.UPLOAD}.filename": ["jan.csv", "feb.csv"]},
                      [f"{Backtest.UPLOAD}.contents"])
    record = out[Uploads.BACKTEST]["data"]
    assert set(record) == {"key", "name", "size"} and record["size"] == len(jan) + len(feb)
    assert out[Backtest.SOURCE]["value"] == "upload"
    # nothing of the files comes back to the browser
    assert len(json.dumps(out)) < 1000
    with parity.server.app_context():
        h = history_for("upload", record, None, None, parity.server.config["PARITY_SETTINGS"].data_dir)
        assert source_descriptor("upload", record, None, None)["digest"] == record["key"]
    assert len(h) == len(days) and "jan.csv, feb.csv" in h.label     # both files, every day
    # the job callbacks read the record, not the files
    for k, v in parity.callback_map.items():
        assert not any(s["id"] == Backtest.UPLOAD for s in v["state"] if "upload-record" not in k), k
    again = poster.post(f"{Uploads.BACKTEST}.data", {f"{Uploads.BACKTEST_LINK}.data": record["key"]})
    assert again[Uploads.BACKTEST]["data"] == record and Backtest.SOURCE not in again  # the URL names it
    gone = poster.post(f"{Uploads.BACKTEST}.data", {f"{Uploads.BACKTEST_LINK}.data": "ef" * 32})
    assert gone[Uploads.BACKTEST]["data"] is None and "no longer" in gone[Backtest.UPLOAD_STORE]["data"]["error"]


# -- the Portfolio page (prices + sector map) and the Risk book ------------------------------

def _pf_load(poster, prices=None, sectors=None, store=None, links=(None, None), changed=()):
    from components.ids import Portfolio

    return poster.post(f"{Uploads.PORTFOLIO_PRICES}.data", {
        f"{Uploads.PORTFOLIO_PRICES_FILE}.data": prices, f"{Uploads.PORTFOLIO_SECTORS_FILE}.data": sectors,
        f"{Portfolio.DATA_KEY}.data": store, f"{Portfolio.UNIVERSE}.value": None,
        f"{Uploads.PORTFOLIO_PRICES_LINK}.data": links[0],
        f"{Uploads.PORTFOLIO_SECTORS_LINK}.data": links[1]}, list(changed))


def test_portfolio_prices_and_sectors_are_kept_and_a_link_reopens_both(parity):
    import pandas as pd

    from components.ids import Portfolio

    prices = shared_file("stock_prices.csv").read_bytes()
    sectors = b"ticker,sector\nAAPL,Tech\nGOOG,Tech\nXOM,Energy\n"
    poster = DashPoster(parity)
    out = _pf_load(poster, prices={"contents": _data_url(prices), "filename": "stock_prices.csv"},
                   changed=[f"{Uploads.PORTFOLIO_PRICES_FILE}.data"])
    rec = out[Uploads.PORTFOLIO_PRICES]["data"]
    assert rec == {"key": hashlib.sha256(prices).hexdigest(), "name": "stock_prices.csv", "size": len(prices)}
    store = out[Portfolio.DATA_KEY]["data"]
    assert len(json.dumps(store)) < 400                     # records, not the 1.1 MB file
    tickers = list(pd.read_csv(shared_file("stock_prices.csv"), nrows=1).columns[1:])
    assert out[Portfolio.UNIVERSE]["options"] == tickers    # the file's tickers, not the sample's
    out = _pf_load(poster, sectors={"contents": _data_url(sectors), "filename": "sec.csv"}, store=store,
                   changed=[f"{Uploads.PORTFOLIO_SECTORS_FILE}.data"])
    srec = out[Uploads.PORTFOLIO_SECTORS]["data"]
    assert srec["key"] == hashlib.sha256(sectors).hexdigest()
    assert "(2 sectors)" in json.dumps(out[Portfolio.DATA_INFO]["children"])
    # later callbacks (optimise, add to book) get this small store: its prices come from the store
    from callbacks.portfolio import data_for
    with parity.server.app_context():
        frame, smap = data_for(out[Portfolio.DATA_KEY]["data"])
    assert list(frame.columns) == tickers and smap == {"AAPL": "Tech", "GOOG": "Tech", "XOM": "Energy"}
    # a fresh page from the link: data=<prices key>&sectors=<sectors key>
    again = _pf_load(poster, links=(rec["key"], srec["key"]))
    assert again[Uploads.PORTFOLIO_PRICES]["data"] == rec and again[Uploads.PORTFOLIO_SECTORS]["data"] == srec
    assert again[Portfolio.UNIVERSE]["options"] == tickers
    gone = _pf_load(poster, links=("12" * 32, None))
    assert gone[Portfolio.DATA_ALERT]["is_open"] is True
    assert "no longer on this server" in gone[Portfolio.DATA_ALERT]["children"]
    assert gone[Uploads.PORTFOLIO_PRICES]["data"] is None and "AAPL" in gone[Portfolio.UNIVERSE]["options"]
    carrying = [k for k, body in poster.sent if _data_url(prices)[:3000].encode() in body]
    assert len(carrying) == 1


def test_portfolio_and_risk_bad_uploads_are_readable_alerts(parity):
    from components.ids import Portfolio, Risk

    poster = DashPoster(parity)
    png = {"contents": _data_url(b"\x89PNG\r\n\x1a\n" + b"x" * 50, "image/png"), "filename": "c.png"}
    out = _pf_load(poster, prices=png, changed=[f"{Uploads.PORTFOLIO_PRICES_FILE}.data"])
    assert out[Portfolio.DATA_ALERT]["is_open"] is True and "c.png" in out[Portfolio.DATA_ALERT]["children"]
    risk = poster.post(f"{Uploads.RISK}.data", {f"{Uploads.RISK_FILE}.data": png},
                       [f"{Uploads.RISK_FILE}.data"])
    assert risk[Risk.ALERT]["is_open"] is True and "c.png" in risk[Risk.ALERT]["children"]
