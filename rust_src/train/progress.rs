//! Progress bars for the trainers: drawn on stderr, and only on a terminal, so
//! logs and pipes never fill with redraws.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` steps labelled `what`, or a hidden one when `enabled` is
/// false or stderr is not a terminal.
pub(crate) fn bar(len: u64, enabled: bool, what: &str, bytes: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = if bytes {
        "{msg:<10} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
    } else {
        "{msg:<10} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta})"
    };
    // A template that fails to parse only loses the styling, never the run.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar
}

/// A spinner labelled `what`, for steps whose length is not known ahead
/// (Unigram's EM rounds), or a hidden one as for [`bar`].
pub(crate) fn spinner(enabled: bool, what: &str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
        spinner.set_style(style);
    }
    spinner.set_message(what.to_owned());
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    spinner
}
