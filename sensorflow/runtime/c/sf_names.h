/* sf_names.h: renames of the runtime's external symbols, included first by sf_common.h.
 * This copy renames nothing, so the runtime links under its own names (unit tests, benchmarks).
 * `sensorflow export` writes its own sf_names.h next to the generated sources, with
 * `#define sf_x <prefix>_sf_x` for every function and table the exported kernels define,
 * so that pipelines exported with different --prefix link into one program. */
#ifndef SF_NAMES_H
#define SF_NAMES_H
#endif /* SF_NAMES_H */
