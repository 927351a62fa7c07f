"""Every component ID of the app, one class per page; reusable widgets use dict IDs."""
from __future__ import annotations


class App:
    """Application chrome (navbar, theme, page container)."""

    THEME_STORE = "app-theme-store"
    THEME_SWITCH = "app-theme-switch"
    THEME_DUMMY = "app-theme-dummy"
    NAVBAR = "app-navbar"


class Greeks:
    """The Greeks surfaces page."""

    GREEK = "greeks-greek"
    INSTRUMENT = "greeks-instrument"
    PRESET = "greeks-preset"
    LEGS = "greeks-legs"
    LEGS_FEEDBACK = "greeks-legs-feedback"
    SPOT = "greeks-spot"
    VOL = "greeks-vol"
    RATE = "greeks-rate"
    DIV = "greeks-div"
    X_RANGE = "greeks-x-range"
    DAYS_RANGE = "greeks-days-range"
    VIEW = "greeks-view"
    GRAPH = "greeks-graph"
    ALERT = "greeks-alert"
    READOUT = "greeks-readout"
    URL_DUMMY = "greeks-url-dummy"
    STATE = "greeks-state"


class Surface:
    """The volatility surface studio."""

    UPLOAD = "surface-upload"
    UPLOAD_STORE = "surface-upload-store"
    UPLOAD_INFO = "surface-upload-info"
    SAMPLE = "surface-sample"
    CHAIN_KEY = "surface-chain-key"
    CHAIN_INFO = "surface-chain-info"
    REPORT = "surface-report"
    MODELS = "surface-models"
    BETA = "surface-beta"
    SHOW = "surface-show"
    ALERT = "surface-alert"
    LOAD_ALERT = "surface-load-alert"
    SURFACE_GRAPH = "surface-3d"
    SMILES_GRAPH = "surface-smiles"
    RESIDUAL_GRAPH = "surface-residuals"
    TERM_GRAPH = "surface-term"
    COMPARE = "surface-compare"
    METRICS = "surface-metrics"
    ARBITRAGE = "surface-arbitrage"
    EXPIRIES = "surface-expiries"
    EXPORT_CSV = "surface-export-csv"
    EXPORT_JSON = "surface-export-json"
    EXPORT_HTML = "surface-export-html"
    DOWNLOAD = "surface-download"
    URL_DUMMY = "surface-url-dummy"
    STATE = "surface-state"


class Portfolio:
    """The portfolio optimizer."""

    UPLOAD_PRICES = "pf-upload-prices"
    UPLOAD_SECTORS = "pf-upload-sectors"
    SAMPLE = "pf-sample"
    DATA_KEY = "pf-data-key"
    DATA_INFO = "pf-data-info"
    DATA_ALERT = "pf-data-alert"
    UNIVERSE = "pf-universe"
    DATES = "pf-dates"
    RET_METHOD = "pf-ret-method"
    RISK_METHOD = "pf-risk-method"
    OBJECTIVE = "pf-objective"
    TARGET = "pf-target"
    KELLY = "pf-kelly"
    RF = "pf-rf"
    WMIN = "pf-wmin"
    WMAX = "pf-wmax"
    LEVERAGE = "pf-leverage"
    SECTOR_CAPS = "pf-sector-caps"
    TURNOVER = "pf-turnover"
    REBALANCE = "pf-rebalance"
    COST = "pf-cost"
    VIEWS = "pf-views"
    ADD_VIEW = "pf-add-view"
    RUN = "pf-run"
    CANCEL = "pf-cancel"
    PROGRESS = "pf-progress"
    ALERT = "pf-alert"
    RESULT = "pf-result"
    SUMMARY = "pf-summary"
    FRONTIER_GRAPH = "pf-frontier"
    WEIGHTS_GRAPH = "pf-weights"
    BL_GRAPH = "pf-bl"
    BACKTEST_GRAPH = "pf-backtest"
    EXPORT = "pf-export"
    DOWNLOAD = "pf-download"
    URL_DUMMY = "pf-url-dummy"
    STATE = "pf-state"
    EXPOSURE = "pf-exposure"


class Strategies:
    """The strategy builder."""

    TEMPLATE = "st-template"
    SOURCE = "st-source"
    SPOT = "st-spot"
    VOL = "st-vol"
    RATE = "st-rate"
    DIV = "st-div"
    DAYS = "st-days"
    WIDTH = "st-width"
    LEGS = "st-legs"
    ADD_LEG = "st-add-leg"
    LEG_ERRORS = "st-leg-errors"
    SPOT_SHIFT = "st-spot-shift"
    VOL_SHIFT = "st-vol-shift"
    DAYS_FWD = "st-days-fwd"
    VOL_MODE = "st-vol-mode"
    MARKET_NOTE = "st-market-note"
    ALERT = "st-alert"
    PAYOFF_GRAPH = "st-payoff"
    HEATMAP_GRAPH = "st-heatmap"
    MC_GRAPH = "st-mc"
    SUMMARY = "st-summary"
    GREEKS = "st-greeks"
    GREEKS_LINK = "st-greeks-link"
    EXPORT_CSV = "st-export-csv"
    EXPORT_JSON = "st-export-json"
    EXPORT_HTML = "st-export-html"
    DOWNLOAD = "st-download"
    URL_DUMMY = "st-url-dummy"
    STATE = "st-state"


class Calibration:
    """The model calibration lab."""

    UPLOAD = "cal-upload"
    UPLOAD_STORE = "cal-upload-store"
    UPLOAD_INFO = "cal-upload-info"
    SAMPLE = "cal-sample"
    DATA_INFO = "cal-data-info"
    MODELS = "cal-models"
    WEIGHTS = "cal-weights"
    WARM = "cal-warm"
    RUN = "cal-run"
    CANCEL = "cal-cancel"
    PROGRESS = "cal-progress"
    STATUS = "cal-status"
    ALERT = "cal-alert"
    RESULT = "cal-result"
    SAVED = "cal-saved"
    RUN_IDS = "cal-run-ids"
    RUNS_QUERY = "cal-runs-query"
    SHOW = "cal-show"
    PARAMS = "cal-params"
    SMILES_GRAPH = "cal-smiles"
    RESIDUAL_GRAPH = "cal-residuals"
    SURFACE_GRAPH = "cal-surface"
    CORR_GRAPH = "cal-corr"
    URL_DUMMY = "cal-url-dummy"
    STATE = "cal-state"
    DATA_ERROR = "cal-data-error"


class Runs:
    """The runs registry."""

    GRID = "runs-grid"
    KIND = "runs-kind"
    MODEL = "runs-model"
    REFRESH = "runs-refresh"
    COMPARE = "runs-compare"
    DELETE = "runs-delete"
    ALERT = "runs-alert"
    CONFIRM = "runs-confirm"
    CONFIRM_TEXT = "runs-confirm-text"
    CONFIRM_YES = "runs-confirm-yes"
    CONFIRM_NO = "runs-confirm-no"
    UNDO = "runs-undo"
    DELETED = "runs-deleted"
    ALERT_TEXT = "runs-alert-text"


class Home:
    """The home page."""

    DATA = "home-data"
    RUNS = "home-runs"
    START = "home-start"


class StrategiesDesk:
    """Strategy builder controls added for the desk (issue 13): sizing, VaR horizon, session."""

    DELETE_LEG = "st-delete-leg"
    MULTIPLIER = "st-multiplier"
    LOTS = "st-lots"
    VAR_HORIZON = "st-var-horizon"
    UNDERLYING = "st-underlying"
    DATA_NOTE = "st-data-note"
    VIEW_NOTE = "st-view-note"
    SESSION = "st-session"
    FRESH = "st-fresh"


class GreeksDesk:
    """Greeks page additions (issue 13): per-leg vols arriving from the Strategies page."""

    LEG_VOLS = "greeks-leg-vols"
    LEG_VOLS_NOTE = "greeks-leg-vols-note"


class Risk:
    """The risk desk page."""

    GRID = "risk-grid"
    UPLOAD = "risk-upload"
    ADD_ROW = "risk-add-row"
    RESET = "risk-reset"
    CLEAR = "risk-clear"
    DOWNLOAD_BTN = "risk-download-btn"
    DOWNLOAD = "risk-download"
    ROW_ERRORS = "risk-row-errors"
    STICKY = "risk-sticky"
    MARKET_NOTE = "risk-market-note"
    ALERT = "risk-alert"
    CARDS = "risk-cards"
    BUCKET_BY = "risk-bucket-by"
    BUCKET_GRAPH = "risk-bucket-graph"
    LADDER_GRAPH = "risk-ladder-graph"
    LIMITS = "risk-limits"
    LIMIT = "risk-limit"              # pattern id: {"type": LIMIT, "metric": name}
    SET = "risk-scenario-set"
    SCEN_TABLE = "risk-scenario-table"
    SCEN_GRAPH = "risk-scenario-graph"
    DRILL_GRAPH = "risk-drill-graph"
    EXPLAIN_GRAPH = "risk-explain-graph"
    VAR_TABLE = "risk-var-table"
    BUILDER = "risk-builder"          # pattern id: {"type": BUILDER, "field": name}
    HEDGE_TARGETS = "risk-hedge-targets"
    HEDGE_RUN = "risk-hedge-run"
    HEDGE_APPLY = "risk-hedge-apply"
    HEDGE_OUT = "risk-hedge-out"
    HEDGE_STORE = "risk-hedge-store"
    REPORT = "risk-report"
    SAVED = "risk-saved-book"
    INIT = "risk-init"
    URL_DUMMY = "risk-url-dummy"
    QUERY = "risk-query"
    STOCKS = "risk-stocks"
    VDAYS = "risk-valuation-days"
    EXPORT_JSON = "risk-export-json"
    EXPORT_HTML = "risk-export-html"


class Backtest:
    """The backtest lab."""

    SOURCE = "bt-source"
    UPLOAD = "bt-upload"
    UPLOAD_STORE = "bt-upload-store"
    START = "bt-start"
    END = "bt-end"
    DATA_INFO = "bt-data-info"
    STRATEGY = "bt-strategy"
    ENTRY = "bt-entry"
    DTE = "bt-dte"
    DTE_TOL = "bt-dte-tol"
    SELECT = "bt-select"
    DELTA = "bt-delta"
    MONEYNESS = "bt-moneyness"
    WIDTH = "bt-width"
    TARGET = "bt-target"
    STOP = "bt-stop"
    STOP_BASIS = "bt-stop-basis"
    EXIT_DTE = "bt-exit-dte"
    MAX_DAYS = "bt-max-days"
    SIZING = "bt-sizing"
    CONTRACTS = "bt-contracts"
    RISK_PCT = "bt-risk-pct"
    MAX_POS = "bt-max-pos"
    CAPITAL = "bt-capital"
    FILL = "bt-fill"
    FILL_FRACTION = "bt-fill-fraction"
    COMMISSION = "bt-commission"
    FEES = "bt-fees"
    RUN = "bt-run"
    CANCEL = "bt-cancel"
    PROGRESS = "bt-progress"
    STATUS = "bt-status"
    ALERT = "bt-alert"
    NOTES = "bt-notes"
    RESULT = "bt-result"
    SAVED = "bt-saved"
    RUN_ID = "bt-run-id"
    RUNS_QUERY = "bt-runs-query"
    EQUITY_GRAPH = "bt-equity"
    METRICS = "bt-metrics"
    TRADES = "bt-trades"
    EXPORT = "bt-export"
    HIST_GRAPH = "bt-hist"
    TRADE_PICK = "bt-trade-pick"
    REPLAY = "bt-replay"
    REPLAY_LOST = "bt-replay-lost"   # dcc.Store: {"day"} of a day step that found its replay gone
    DAY = "bt-day"
    PLAY = "bt-play"
    TICK = "bt-tick"
    PAYOFF_GRAPH = "bt-payoff"
    GREEKS = "bt-greeks"
    ATTR_GRAPH = "bt-attr"
    WF_PARAM1 = "bt-wf-param1"
    WF_VALUES1 = "bt-wf-values1"
    WF_PARAM2 = "bt-wf-param2"
    WF_VALUES2 = "bt-wf-values2"
    WF_TRAIN = "bt-wf-train"
    WF_TEST = "bt-wf-test"
    WF_ANCHORED = "bt-wf-anchored"
    WF_METRIC = "bt-wf-metric"
    WF_RUN = "bt-wf-run"
    WF_CANCEL = "bt-wf-cancel"
    WF_PROGRESS = "bt-wf-progress"
    WF_STATUS = "bt-wf-status"
    WF_ALERT = "bt-wf-alert"
    WF_RESULT = "bt-wf-result"
    WF_EQUITY_GRAPH = "bt-wf-equity"
    WF_HEAT_GRAPH = "bt-wf-heat"
    WF_PBO_GRAPH = "bt-wf-pbo"
    WF_SUMMARY = "bt-wf-summary"
    STATE = "bt-state"
    URL_DUMMY = "bt-url-dummy"
class Report:
    """The report builder: the navbar's "Add to report", the session stores and the /report page."""

    ADD = "report-add"                # navbar button
    TOAST = "report-toast"            # navbar confirmation
    COUNT = "report-count"            # navbar badge: items in the report
    ITEMS = "report-items"            # dcc.Store (session): the items, in order
    META = "report-meta"              # dcc.Store (session): title, author, date, summary, notes
    TITLE = "report-title"
    AUTHOR = "report-author"
    DATE = "report-date"
    SUMMARY = "report-summary"
    LIST = "report-list"
    EMPTY = "report-empty"
    NOTE = "report-note"              # pattern id: {"type": NOTE, "item": id}
    UP = "report-up"                  # pattern id: {"type": UP, "item": id}
    DOWN = "report-down"              # pattern id
    REMOVE = "report-remove"          # pattern id
    CLEAR = "report-clear"
    PAPER = "report-paper"
    LANDSCAPE = "report-landscape"
    EXPORT = "report-export"          # pattern id: {"type": EXPORT, "fmt": "html"|"pdf"|"png"|"svg"|"csv"|"xlsx"|"json"}
    CANCEL = "report-cancel"
    PROGRESS = "report-progress"
    STATUS = "report-status"
    ALERT = "report-alert"
    DOWNLOAD = "report-download"
    MEETING = "report-meeting"        # button: open meeting mode
    SLIDES = "report-slides"          # full-screen overlay
    SLIDE = "report-slide"            # dcc.Store: index of the slide shown
    SLIDE_BODY = "report-slide-body"
    SLIDE_KEYS = "report-slide-keys"  # hidden: key events land here
class Wiring:
    """Cross-page links added by the "wiring" follow-ups: "Add to book" on Strategies and
    Portfolio (open /risk with the rows added)."""

    STRATEGIES_ADD_BOOK = "st-add-to-book"
    PORTFOLIO_ADD_BOOK = "pf-add-to-book"
    PORTFOLIO_NOTIONAL = "pf-book-notional"
    PORTFOLIO_BOOK_NOTE = "pf-book-note"
    UPLOAD_LIMIT = "app-upload-limit"      # app-level store: largest upload in bytes (the server's setting)


class PortfolioDesk:
    """Portfolio first load and session state (issue 13): the Black-Litterman views kept for the
    browser session, and the trigger that hands a heavy first run to the background job."""

    VIEWS_KEPT = "pf-views-kept"      # dcc.Store (sessionStorage): the views grid's rows
    VIEWS_READY = "pf-views-ready"    # dcc.Store: set once the kept views are back in the grid
    AUTO_RUN = "pf-auto-run"          # dcc.Store: a first run too heavy for the foreground
class Uploads:
    """Upload records, one ``dcc.Store`` per upload area: ``{"key", "name", "size"}`` (the
    blob key in the store, the file name, bytes) or ``None`` for the page's default data; and
    the ``data=`` key a page was opened with (``*_LINK``, set by the layout from the URL).
    The browser keeps only these; callbacks fetch the bytes with ``callbacks.uploads``."""

    SURFACE = "surface-upload-record"
    SURFACE_LINK = "surface-upload-link"
    CALIBRATION = "cal-upload-record"
    CALIBRATION_LINK = "cal-upload-link"
    BACKTEST = "bt-upload-record"
    BACKTEST_LINK = "bt-upload-link"
    PORTFOLIO_PRICES = "pf-upload-prices-record"
    PORTFOLIO_PRICES_LINK = "pf-upload-prices-link"      # URL ``data=``
    PORTFOLIO_SECTORS = "pf-upload-sectors-record"
    PORTFOLIO_SECTORS_LINK = "pf-upload-sectors-link"    # URL ``sectors=``
    RISK = "risk-upload-record"
    # the browser-side size guard's output ({contents, filename} of a file under the limit) and
    # its message, on the pages whose dcc.Upload used to post straight to the server
    PORTFOLIO_PRICES_FILE = "pf-upload-prices-file"
    PORTFOLIO_PRICES_GUARD = "pf-upload-prices-guard"
    PORTFOLIO_SECTORS_FILE = "pf-upload-sectors-file"
    PORTFOLIO_SECTORS_GUARD = "pf-upload-sectors-guard"
    RISK_FILE = "risk-upload-file"
    RISK_GUARD = "risk-upload-guard"
class Workspace:
    """Workspaces: the navbar's Workspace menu, the /workspaces list and the read-only /w/<id> view."""

    MENU = "ws-menu"                  # navbar dropdown
    LABEL = "ws-label"                # navbar: name of the workspace in use
    SAVE = "ws-save"                  # menu item: save over the current workspace
    SAVE_AS = "ws-save-as"            # menu item: save as a new workspace (opens the dialog)
    DIALOG = "ws-dialog"              # modal: name, description, notes
    NAME = "ws-name"
    DESCRIPTION = "ws-description"
    NOTES = "ws-notes"
    CONFIRM = "ws-confirm"            # dialog's Save button
    DIALOG_ALERT = "ws-dialog-alert"
    CURRENT = "ws-current"            # dcc.Store (local): {id, name, description, notes} in use
    SNAPSHOT = "ws-snapshot"          # dcc.Store: the browser state collected for a save
    RESTORE = "ws-restore"            # dcc.Store: a workspace to load into the browser
    RESTORE_DUMMY = "ws-restore-dummy"
    TOAST = "ws-toast"
    # /workspaces
    GRID = "ws-grid"
    REFRESH = "ws-refresh"
    OPEN = "ws-open"
    COPY = "ws-copy"
    DELETE = "ws-delete"
    SHARE = "ws-share"                # the selected workspace's /w/<id> link
    ALERT = "ws-alert"
    CONFIRM_DELETE = "ws-confirm-delete"
    CONFIRM_DELETE_TEXT = "ws-confirm-delete-text"
    DELETE_YES = "ws-delete-yes"
    DELETE_NO = "ws-delete-no"
    EDIT_NOTE = "ws-edit-note"        # says why edit controls are hidden (viewer)
    # /w/<id>
    VIEW_ID = "ws-view-id"            # dcc.Store: the id from the link
    VIEW_DOC = "ws-view-doc"          # dcc.Store: {pages, report} of the opened workspace
    VIEW_HEAD = "ws-view-head"
    VIEW_TABS = "ws-view-tabs"
    VIEW_BODY = "ws-view-body"
    VIEW_COPY = "ws-view-copy"        # "Make a copy to edit"
    VIEW_ALERT = "ws-view-alert"
class BacktestMore:
    """Backtest page additions: walk-forward runs in the registry (saved, and back from a link),
    the far-expiry DTE of calendars and diagonals."""

    WF_RUN_ID = "bt-wf-run-id"        # dcc.Store: registry id of the shown walk-forward
    WF_QUERY = "bt-wf-query"          # dcc.Store: the ?wf=<id> of the page's link
    WF_SAVED = "bt-wf-saved"
    FAR_DTE = "bt-far-dte"
    WF_NAMED = "bt-wf-named"          # dcc.Store: the form keys the page's link names (kept as given)
    WF_FORM = "bt-wf-form"            # dcc.Store: the form of the walk-forward a link brought back


class WorkspaceShare:
    """Who may open a workspace (/workspaces, shown to who may change the selected one), and the
    navbar's signed-in account link."""

    CARD = "ws-share-card"            # the share control (hidden unless the user may change it)
    MODE = "ws-share-mode"            # radio: private / users / all
    USERS = "ws-share-users"          # dropdown (multi): the named users
    APPLY = "ws-share-apply"          # button: store.share_workspace
    NOTE = "ws-share-note"            # current sharing, or why it has no effect
    ACCOUNT = "nav-account"           # navbar: "NAME · Sign out" -> /logout (sign-in on)


class SurfaceSlices:
    """Vol surface page: SVI slices fitted independently or jointly (no calendar crossing), the
    joint fit as a background job."""

    SLICES = "surface-svi-slices"          # radio: independent / joint
    JOINT_DONE = "surface-joint-done"      # dcc.Store: {"key", "slices"} once the joint fit is cached
    JOINT_PROGRESS = "surface-joint-progress"
    JOINT_STATUS = "surface-joint-status"
    JOINT_CANCEL = "surface-joint-cancel"
    CROSSINGS = "surface-crossings"        # the calendar-crossing count, independent vs joint


class WorkspaceView:
    """The read-only view /w/<id>: what it holds instead of the browser's storage."""

    HELD = "ws-view-held"             # dcc.Store (memory): {store id: saved value} of the drawn page


class ReportDraft:
    """The report draft kept in this browser (localStorage, per signed-in user), so a new tab
    or the next day shows the report being built, and in the store (per user), so it follows
    the user to another browser or machine."""

    OWNER = "report-draft-owner"      # dcc.Store (memory): whose draft this page keeps ("" single user)
    NOTE = "report-draft-note"        # dcc.Store: why the draft could not be kept ("" when kept)
    NOTE_TEXT = "report-draft-note-text"  # Report page: that note, shown
    PUSH = "report-draft-push"        # dcc.Store (memory): the changed parts to keep in the store
    PUSHED = "report-draft-pushed"    # dcc.Store (memory): {updated, fp} of the store's copy
    ASK = "report-draft-ask"          # dcc.Store (memory): a tab's first page asks for the store's copy
    SYNCED = "report-draft-synced"    # dcc.Store (memory): output of the browser-side bookkeeping


class PortfolioKept:
    """Portfolio: what the foreground and background callbacks need of the kept result."""

    RESULT_QUERY = "pf-result-query"  # dcc.Store (sessionStorage): the kept result's query only
    BOOK_BASIS = "pf-book-basis"      # dcc.Store (memory): tickers, weights, last date (add to book)


class GreeksViews:
    """Greeks: the 3D surface on its own graph, kept alive beside the 2D one (heatmap, slices), so
    switching between them is a display change, not a new WebGL scene."""

    GRAPH_3D = "greeks-graph-3d"
    WRAP_2D = "greeks-wrap-2d"        # html.Div around ids.Greeks.GRAPH
    WRAP_3D = "greeks-wrap-3d"        # html.Div around GRAPH_3D
    DRAWN = "greeks-drawn"            # dcc.Store: {"2d": query, "3d": query} each graph shows
    PREFETCH = "greeks-prefetch"      # dcc.Store: the 2D graph's query, set once the page is idle, asking for
                                      # the hidden 3D graph to be drawn for the same inputs
    PREFETCHED = "greeks-prefetched"  # dcc.Store: {query, dark, figure}: that 3D figure, drawn only while hidden


class CalibrationSurface:
    """Calibration: the surface card's view switch (heatmap by default, 3D on demand)."""

    VIEW = "cal-surface-view"         # dbc.RadioItems: "heatmap" | "3d" (URL ``view=``)
    DRAWN = "cal-surface-drawn"       # dcc.Store: {token, model, view, theme} render drew; the surface follows
