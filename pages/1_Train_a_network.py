"""Train a network live: pick a reference architecture (or design one), set the options, watch it learn.

Only layout lives here; the work is in ``digitcore`` (``jobs`` runs one training at a time for the
whole server in a background thread, ``training_view`` words the progress). While a training runs,
every visitor sees its progress, refreshed by a fragment, and nobody else can start one.
"""

from __future__ import annotations

import json

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from digitcore.insight import training_view as tv
from digitcore.model.architectures import CUSTOM_DEFAULTS, CUSTOM_KERNELS, CUSTOM_LIMITS
from digitcore.training.augment import AugmentConfig
from digitcore.training.jobs import JobState, TrainingBusyError, get_manager
from digitcore.storage.paths import mnist_path_from_env, models_dir
from digitcore.insight import presentation as pres
from digitcore.insight.presentation import escape_markdown
from digitcore.training.presets import CUSTOM, PRESETS, build_model, get_preset
from digitcore.storage.runs import RunBusyError, RunNameError, check_run_name, free_run_name, run_files
from pages.ui import class_training
from pages.ui.extra_data import extra_data_option

#: Seconds between refreshes of the progress area while a training runs. Every viewer's refresh is a
#: (fragment) script run on the server, so this is not made shorter: 30 pupils watching = 20 runs/s.
#: An idle page does not poll at all (that would cost a Keras clear_session + full GC per run);
#: whoever clicks Start while someone else trains is told so, and then sees that training.
REFRESH_S = 1.5
QUICK_SUBSET = 5000
LEARNING_RATES = [1e-5, 3e-5, 1e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
MIN_LRS = [0.0, 1e-6, 1e-5, 1e-4]
MONITORS = ["val_loss", "val_accuracy"]

CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.st-key-live [data-testid="stProgress"] p { font-size: 1.05rem; font-variant-numeric: tabular-nums; }
.st-key-live [data-testid="stMetricValue"] { font-variant-numeric: tabular-nums; }
</style>
"""

manager = get_manager()


# ----------------------------------------------------------------------------- helpers


def my_jobs() -> set[str]:
    """Job ids started from this browser session."""
    return st.session_state.setdefault("train_my_jobs", set())


def k(preset: str, field: str) -> str:
    """Widget key per preset, so each preset starts from its own recipe and keeps the user's edits."""
    return f"train:{preset}:{field}"


@st.cache_data(max_entries=32, show_spinner=False)
def model_summary(preset: str, arch_json: str) -> dict:
    """The layer table of a preset (or custom design), built once per choice."""
    from digitcore.model.summary import summarize_model

    arch = json.loads(arch_json)
    return summarize_model(build_model(preset, arch)).to_dict()


def _with(options: list, value) -> list:
    return sorted(set(options) | {value})


# ----------------------------------------------------------------------------- settings form


def architecture_section() -> tuple[str, dict | None, bool]:
    """Preset picker, custom options and the model summary; returns (preset, custom options, ok)."""
    st.subheader("1 · Architecture")
    name = st.selectbox("Network", list(PRESETS), format_func=lambda n: tv.preset_label(PRESETS[n]),
                        key="train_preset",
                        help="The reference projects' networks, with the training recipe each was published with.")
    preset = get_preset(name)
    st.caption(preset.description)
    arch = None
    if name == CUSTOM:
        c1, c2 = st.columns(2)
        lo, hi = CUSTOM_LIMITS["conv_blocks"]
        arch = {
            "conv_blocks": c1.number_input("Conv blocks", lo, hi, CUSTOM_DEFAULTS["conv_blocks"], key=k(name, "blocks"),
                                           help="Each block: two convolutions, then 2×2 max pooling halves the image."),
            "kernel_size": c2.selectbox("Kernel size", CUSTOM_KERNELS, key=k(name, "kernel"),
                                        format_func=lambda n: f"{n} × {n}"),
            "filters": c1.select_slider("Filters in the first block", [4, 8, 16, 24, 32, 48, 64, 96, 128, 256],
                                        CUSTOM_DEFAULTS["filters"], key=k(name, "filters"),
                                        help="Every further block has twice as many."),
            "dense_units": c2.select_slider("Dense units", [0, 32, 64, 128, 256, 512, 1024],
                                            CUSTOM_DEFAULTS["dense_units"], key=k(name, "dense"),
                                            help="A hidden layer before the 10 outputs (0 = none)."),
            "dropout": c1.slider("Dropout", 0.0, 0.8, float(CUSTOM_DEFAULTS["dropout"]), 0.05, key=k(name, "dropout"),
                                 help="Share of units switched off at random while training, against over-fitting."),
            "batch_norm": c2.toggle("Batch normalisation", bool(CUSTOM_DEFAULTS["batch_norm"]), key=k(name, "bn"),
                                    help="Normalises each layer's output: usually faster, steadier learning."),
        }
        arch["conv_blocks"] = int(arch["conv_blocks"])
    try:
        summary = model_summary(name, json.dumps(arch, sort_keys=True))
    except ValueError as exc:
        st.error(str(exc), icon=":material/block:")
        return name, arch, False
    m1, m2 = st.columns(2)
    m1.metric("Parameters", f"{summary['total_params']:,}")
    m2.metric("Size of the weights", f"{summary['total_params'] * 4 / 1e6:.1f} MB")
    with st.expander(f"Model summary: {len(summary['rows'])} layers", icon=":material/layers:"):
        st.dataframe(tv.summary_frame(summary), hide_index=True, width="stretch",
                     column_order=("Type", "Output shape", "Parameters"),  # Keras' layer names teach nothing
                     column_config={"Parameters": st.column_config.NumberColumn(format="localized")})
    return name, arch, True


def training_tab(name: str, recipe: dict) -> dict:
    """Epochs, batch size, optimizer, learning rate, validation, subset, seed."""
    c1, c2 = st.columns(2)
    out: dict = {}
    out["epochs"] = int(c1.number_input("Epochs", 1, 500, recipe.get("epochs", 10), key=k(name, "epochs"),
                                        help="How many times the network sees every training image."))
    out["batch_size"] = int(c2.number_input("Batch size", 1, 4096, recipe.get("batch_size", 128),
                                            key=k(name, "batch"), help="Images per weight update."))
    opts = ["adam", "rmsprop", "sgd"]
    out["optimizer"] = c1.selectbox("Optimizer", opts, opts.index(recipe.get("optimizer", "adam")),
                                    key=k(name, "opt"),
                                    format_func={"adam": "Adam", "rmsprop": "RMSprop",
                                                 "sgd": "SGD with momentum 0.9"}.get)
    lr = recipe.get("learning_rate", 1e-3)
    out["learning_rate"] = c2.select_slider("Learning rate", _with(LEARNING_RATES, lr), lr, key=k(name, "lr"),
                                            format_func=tv.format_lr)
    decay = float(recipe.get("lr_decay", 1.0))
    out["lr_decay"] = float(c1.number_input("Learning-rate decay per epoch", 0.5, 1.0, decay, 0.01,
                                            key=k(name, "decay"), help="Multiply the rate by this after every "
                                            "epoch (1 = keep it constant)."))
    out["seed"] = int(c2.number_input("Random seed", 0, 2**31 - 1, 42, key=k(name, "seed"),
                                      help="Same seed, same start weights and image order."))
    val = recipe.get("validation", 0.1)
    where = st.radio("Check progress on", ["split", "test"], 0 if val != "test" else 1, horizontal=True,
                     key=k(name, "valwhere"),
                     format_func={"split": "part of the training images", "test": "the MNIST test set"}.get)
    if where == "test":
        out["validation"] = "test"
        st.caption("The test set then only watches the training; it is not used to pick a model.")
    else:
        pct = st.slider("Validation split", 5, 45, int(round((val if val != "test" else 0.1) * 100)), 5,
                        key=k(name, "valpct"), format="%d%%", help="Held out at the end of the training images.")
        out["validation"] = pct / 100
    quick = st.toggle("Quick classroom run: use only part of the 60,000 training images", True,
                      key=k(name, "quick"))
    out["subset"] = int(st.number_input("Training images to use", 100, 60000, QUICK_SUBSET, 500,
                                        key=k(name, "subset"))) if quick else None
    out["extra_data"] = extra_data_option(k(name, "extra"))
    return out


def augmentation_tab(name: str, recipe: dict) -> AugmentConfig | None:
    """Switch and amounts of the random distortions."""
    base = recipe.get("augment")
    on = st.toggle("Distort the training images at random", base is not None, key=k(name, "aug"),
                   help="Teaches the network digits that are turned, bigger, smaller, moved or bolder.")
    start = base or AugmentConfig(rotation=10.0, zoom=0.1, shift=0.1, shear=0.0, thickness=0.3, contrast=0.0)
    c1, c2 = st.columns(2)
    vals = {
        "rotation": c1.slider("Rotation (degrees)", 0.0, 45.0, float(start.rotation), 1.0, key=k(name, "rot"),
                              disabled=not on),
        "zoom": c2.slider("Zoom (±)", 0.0, 0.5, float(start.zoom), 0.01, key=k(name, "zoom"), disabled=not on),
        "shift": c1.slider("Shift (share of the image)", 0.0, 0.3, float(start.shift), 0.01, key=k(name, "shift"),
                           disabled=not on),
        "thickness": c2.slider("Stroke thickness", 0.0, 1.0, float(start.thickness), 0.05, key=k(name, "thick"),
                               disabled=not on),
        "shear": c1.slider("Shear", 0.0, 0.5, float(start.shear), 0.01, key=k(name, "shear"), disabled=not on),
        "contrast": c2.slider("Contrast", 0.0, 0.9, float(start.contrast), 0.05, key=k(name, "contrast"),
                              disabled=not on),
    }
    return AugmentConfig(**vals) if on else None


def _monitor(col, name: str, field: str, default: str, on: bool) -> str:
    return col.selectbox("Watch", MONITORS, MONITORS.index(default), key=k(name, field), format_func=tv.MONITOR_WORDS.get,
                         disabled=not on)


def callbacks_tab(name: str, recipe: dict) -> dict:
    """EarlyStopping, ReduceLROnPlateau and ModelCheckpoint with their parameters."""
    out: dict = {}
    with st.container(border=True):
        on = st.toggle("**EarlyStopping**: stop when it stops getting better",
                       recipe.get("early_stopping_patience") is not None, key=k(name, "es"))
        c1, c2, c3 = st.columns(3)
        patience = c1.number_input("Patience (epochs)", 1, 100, recipe.get("early_stopping_patience") or 5,
                                   key=k(name, "es_pat"), disabled=not on)
        monitor = _monitor(c2, name, "es_mon", recipe.get("early_stopping_monitor", "val_loss"), on)
        delta = c3.number_input("Min. improvement", 0.0, 1.0, 0.0, 0.001, format="%.3f", key=k(name, "es_delta"),
                                disabled=not on)
        out.update(early_stopping_patience=int(patience) if on else None, early_stopping_monitor=monitor,
                   early_stopping_min_delta=float(delta))
    with st.container(border=True):
        on = st.toggle("**ReduceLROnPlateau**: smaller steps when it stops improving",
                       recipe.get("reduce_lr_patience") is not None, key=k(name, "rlr"))
        c1, c2 = st.columns(2)
        patience = c1.number_input("Patience (epochs)", 1, 100, recipe.get("reduce_lr_patience") or 3,
                                   key=k(name, "rlr_pat"), disabled=not on)
        monitor = _monitor(c2, name, "rlr_mon", recipe.get("reduce_lr_monitor", "val_loss"), on)
        factor = c1.slider("Multiply the rate by", 0.1, 0.9, float(recipe.get("reduce_lr_factor", 0.5)), 0.05,
                           key=k(name, "rlr_factor"), disabled=not on)
        min_lr = recipe.get("reduce_lr_min", 0.0)
        floor = c2.select_slider("Lowest rate", _with(MIN_LRS, min_lr), min_lr, key=k(name, "rlr_min"),
                                 format_func=lambda v: "none" if v == 0 else tv.format_lr(v), disabled=not on)
        out.update(reduce_lr_patience=int(patience) if on else None, reduce_lr_factor=float(factor),
                   reduce_lr_monitor=monitor, reduce_lr_min=float(floor))
    with st.container(border=True):
        on = st.toggle("**ModelCheckpoint** (best only): keep the best epoch, not the last",
                       bool(recipe.get("checkpoint_best")), key=k(name, "ckpt"))
        c1, _ = st.columns([1, 2])
        out.update(checkpoint_best=on, checkpoint_monitor=_monitor(c1, name, "ckpt_mon", "val_loss", on))
    st.caption(":material/table_view: **CSVLogger** is always on: every epoch's numbers go to the run's CSV file.")
    return out


def start_section(preset: str, arch: dict | None, options: dict, arch_ok: bool) -> None:
    """Run name, overwrite choice and the Start button."""
    st.subheader("3 · Start")
    folder = models_dir()
    round_ = st.session_state.get("train_round", 0)  # a fresh suggested name after each start
    c1, c2 = st.columns(2)
    name = c1.text_input("Run name", free_run_name(preset, folder), max_chars=64, key=f"train:name:{preset}:{round_}",
                         help="Letters, digits, - and _. The model appears under this name in the model picker.")
    owner = c2.text_input("Your name or group (shown to others while it trains)", max_chars=40, key="train_owner",
                          placeholder="e.g. Table 3")
    problem = ""
    try:
        name = check_run_name(name)
        exists = bool(run_files(folder, name).existing())
    except RunNameError as exc:
        problem, exists = str(exc), False
    overwrite = False
    if problem:
        st.error(problem, icon=":material/block:")
    elif exists:
        overwrite = st.checkbox(f"A run called **{name}** exists: replace it", key=f"train:overwrite:{name}")
        if not overwrite:
            st.warning("Choose another name, or tick the box to replace the old run.", icon=":material/warning:")
    use_class = class_training.option()  # the class's drawings (teacher key), pages/ui/class_training.py
    disabled = bool(problem) or (exists and not overwrite) or not arch_ok
    busy = manager.snapshot()
    if busy is not None and busy.active:
        # The form stays (so its settings are kept for the next run); Start comes back when it ends.
        st.caption(":material/hourglass_top: A training is running: Start comes back when it ends.")
        return
    again = st.session_state.pop("train_again", False) and not disabled
    if st.button("Start training", type="primary", icon=":material/play_arrow:", disabled=disabled,
                 key="train_start") or again:
        class_data = class_training.load() if use_class else None
        if use_class and class_data is None:
            return
        try:
            cfg = get_preset(preset).config(name=name, **options, **({"architecture": arch} if arch else {}))
            job_id = manager.start(cfg, out_dir=folder, overwrite=overwrite, owner=owner, class_data=class_data)
        except TrainingBusyError as exc:
            st.session_state["train_busy_message"] = str(exc)
            st.rerun()  # shows the running training instead of the form
        except (ValueError, FileExistsError, RunBusyError) as exc:
            st.error(str(exc), icon=":material/block:")
            return
        my_jobs().add(job_id)
        st.session_state["train_round"] = round_ + 1
        st.rerun()
    data = mnist_path_from_env()
    where = (f" The run is saved as `{name}.keras`, `{name}.csv` (the log) and `{name}.json` (every setting and "
             "result) in the models folder.") if not problem else ""
    st.caption(f"Data: {data.name if data else 'MNIST (downloaded by Keras)'}.{where}")


def settings_form() -> None:
    """Everything chosen before a training starts."""
    left, right = st.columns([1, 1.25], gap="large")
    with left:
        preset, arch, arch_ok = architecture_section()
    recipe = get_preset(preset).recipe
    with right:
        st.subheader("2 · Training options")
        t1, t2, t3 = st.tabs([":material/tune: Training", ":material/transform: Augmentation",
                              ":material/notifications: Callbacks"])
        with t1:
            options = training_tab(preset, recipe)
        with t2:
            options["augment"] = augmentation_tab(preset, recipe)
        with t3:
            options.update(callbacks_tab(preset, recipe))
    options["loss"] = recipe.get("loss", "sparse_categorical_crossentropy")
    with st.container(border=True):
        start_section(preset, arch, options, arch_ok)


# ----------------------------------------------------------------------------- progress


def render_curves(snap: JobState) -> None:
    """A live per-batch loss curve, then loss, accuracy and learning-rate charts (one point per finished epoch)."""
    if snap.batch_history:
        st.vega_lite_chart(tv.batch_loss_frame(snap.batch_history), tv.batch_loss_chart_spec(), width="stretch",
                           height=tv.CHART_HEIGHT)
    if not snap.history:
        st.caption(":material/monitoring: The per-epoch curves appear when the first epoch ends.")
        return
    frame = tv.history_frame(snap.history)
    st.html(tv.legend_html())
    cols = st.columns(len(tv.CURVES))
    for col, (metric, title, fmt) in zip(cols, tv.CURVES):
        with col:
            st.vega_lite_chart(frame, tv.curve_chart_spec(metric, title, fmt, snap.epochs), width="stretch",
                               height=tv.CHART_HEIGHT)


def render_metrics(snap: JobState) -> None:
    """The latest epoch's numbers in big type."""
    last = snap.history[-1] if snap.history else {}
    prev = snap.history[-2] if len(snap.history) > 1 else {}
    c1, c2, c3, c4 = st.columns(4)
    if "val_accuracy" in last:
        delta = f"{last['val_accuracy'] - prev['val_accuracy']:+.2%}" if "val_accuracy" in prev else None
        c1.metric("Validation accuracy", f"{last['val_accuracy']:.2%}", delta)
        c2.metric("Best so far", f"{max(h.get('val_accuracy', 0) for h in snap.history):.2%}")
    else:
        c1.metric("Validation accuracy", "–")
        c2.metric("Best so far", "–")
    c3.metric("Epochs done", f"{snap.epochs_done} / {snap.epochs}")
    lr = last.get("learning_rate", snap.config.get("learning_rate"))
    c4.metric("Learning rate", tv.format_lr(lr))
    st.caption(tv.which_data_text(snap))


def render_messages(snap: JobState) -> None:
    """What the callbacks did, newest first."""
    shown = [m for m in snap.messages if m["kind"] in ("callback", "error", "info")]
    if not shown:
        return
    with st.container(border=True, key="train_messages"):
        st.markdown("**What happened**")
        for m in reversed(shown[-12:]):
            st.markdown(f"{tv.message_icon(m['source'])} {escape_markdown(m['message'])}")


def render_job(snap: JobState, *, controls=None) -> None:
    """Header (with ``controls`` at its right), progress bars, metrics, charts and messages of one job."""
    who = f" · started by **{escape_markdown(snap.owner)}**" if snap.owner else ""
    title = PRESETS[snap.preset].title if snap.preset in PRESETS else snap.preset
    icon = ":material/directions_run:" if snap.active else ":material/sports_score:"
    header = f"#### {icon} {snap.name} · {title}{who}"
    if controls is None:
        st.markdown(header)
    else:
        head, right = st.columns([3, 1], vertical_alignment="center")
        head.markdown(header)
        with right:
            controls(snap)
    if not snap.active:
        kind, text = tv.status_headline(snap)
        getattr(st, kind)(text, icon={"success": ":material/check_circle:", "warning": ":material/stop_circle:",
                                      "error": ":material/error:"}[kind])
        class_training.show_result(snap.meta)
    if snap.active:
        epoch_part = snap.batch / snap.steps if snap.steps else 0.0
        st.progress(min(epoch_part, 1.0), text=tv.batch_progress_text(snap) if snap.epoch else snap.phase)
        st.progress(snap.overall_fraction, text=tv.overall_progress_text(snap))
        if snap.phase not in ("Training",) and snap.epoch:
            st.caption(snap.phase)
    render_metrics(snap)
    render_curves(snap)
    render_messages(snap)
    if snap.summary:
        with st.expander(f"Model summary: {snap.summary['total_params']:,} parameters", icon=":material/layers:"):
            st.dataframe(tv.summary_frame(snap.summary), hide_index=True, width="stretch")


def stop_controls(snap: JobState) -> None:
    """Stop button: for the session that started the job, or anyone who says they may (the teacher)."""
    if snap.status == "stopping":
        st.markdown(":material/hourglass_top: Stopping…")
        return
    mine = snap.job_id in my_jobs()
    allowed = mine or st.checkbox("I may stop it (teacher)", key="train_allow_stop",
                                  help="Only the browser that started a training gets the Stop button.")
    who = st.session_state.get("train_owner", "") or ("the starter" if mine else "a visitor")
    if allowed:
        # A callback, so the redraw that follows the click already shows "Stopping…".
        st.button("Stop training", icon=":material/stop_circle:", key="train_stop", type="primary", width="stretch",
                  on_click=manager.stop, args=(snap.job_id,), kwargs={"by": who},
                  help="Ends after the current batch; keeps the best checkpoint and the log so far.")


@st.fragment(run_every=REFRESH_S)
def live_area(job_id: str) -> None:
    """The running job's progress, redrawn every REFRESH_S seconds (only this part of the page)."""
    snap = manager.snapshot()
    if snap is None or snap.job_id != job_id or not snap.active:
        st.rerun()  # it ended: redraw the whole page (result + settings)
    with st.container(key="live"):
        render_job(snap, controls=stop_controls)


# ----------------------------------------------------------------------------- page


def home_link() -> None:
    """Where to try the new model."""
    label = "Try it: pick it in the model picker on the home page"
    from pages.ui.navigation import home_page

    try:
        st.page_link(home_page() or "app.py", label=label, icon=":material/draw:")
    except StreamlitPageNotFoundError:  # the page run on its own (tests): no home page to link to
        st.caption(label)


def main() -> None:
    st.set_page_config(page_title=pres.page_title("Train a network"), page_icon="🧠", layout="wide")
    st.html(CSS)
    st.title("🧠 Train a network")
    st.markdown("Choose a network, set how it learns, and watch it get better epoch by epoch. "
                "The finished model appears in the home page's model picker.")
    snap = manager.snapshot()
    if snap is not None and snap.active:
        if snap.job_id not in my_jobs():
            busy = st.session_state.pop("train_busy_message", None)
            if busy:
                st.warning(f"Your training did not start. {escape_markdown(busy)}", icon=":material/block:")
            who = f" (started by **{escape_markdown(snap.owner)}**)" if snap.owner else ""
            st.info(f"A training is running on this server: **{snap.name}**{who}. Only one network can train at "
                    "a time, so there is no Start button until it ends. You can watch it here.",
                    icon=":material/hourglass_top:")
        live_area(snap.job_id)
        # Kept on the page (folded) so the chosen settings are still there when the run ends.
        with st.expander("Settings for the next run", icon=":material/tune:"):
            settings_form()
        return
    st.session_state.pop("train_busy_message", None)  # that training has ended meanwhile
    if snap is not None and st.session_state.get("train_named_after") != snap.job_id:
        # A run ended (its files now exist): suggest a fresh free name; every other setting stays.
        st.session_state["train_named_after"] = snap.job_id
        st.session_state["train_round"] = st.session_state.get("train_round", 0) + 1
    if snap is not None:
        if snap.job_id in my_jobs():
            with st.container(border=True, key="train_result"):
                render_job(snap)
                if snap.status in ("finished", "stopped") and (snap.meta or {}).get("test_accuracy") is not None:
                    home_link()
                st.button("Train again", icon=":material/replay:", key="train_again_button",
                          on_click=lambda: st.session_state.update(train_again=True),
                          help="Start a new run with the settings below (they are kept), under a fresh name.")
        else:
            with st.expander(f"Last training on this server: {snap.name} ({snap.status})", icon=":material/history:"):
                render_job(snap)
    settings_form()


from pages.ui.navigation import page_entry  # noqa: E402

page_entry(main)
