//! Timing shared by the profiling examples (`profile_decode`, `profile_graph`), included with
//! `#[path]`: not an example of its own.

/// Fastest of 30 runs of each of `fs`, each run `rounds` decodes, in ns per decode. Interleaved:
/// each of the 30 rounds times every function once, so that a slow spell of a shared machine
/// falls on all of them rather than on whichever ran then; the minimum is a steadier
/// comparison than a mean on a busy machine.
pub(crate) fn fastest(fs: &[&dyn Fn()], rounds: usize) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; fs.len()];
    for _ in 0..30 {
        for (f, best) in fs.iter().zip(&mut best) {
            let t = std::time::Instant::now();
            f();
            *best = best.min(t.elapsed().as_nanos() as f64 / rounds as f64);
        }
    }
    best
}
