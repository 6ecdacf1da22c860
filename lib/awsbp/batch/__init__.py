"""Batches: every account of a params file (or an Organization) through collect → assess → report, in parallel
on a local pool or a Dask cluster (:mod:`awsbp.batch.runner`, :mod:`awsbp.batch.executors`)."""
