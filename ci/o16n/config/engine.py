"""Where profiles are made, as health.yaml (`engine:`) and o16n.yaml (`monitoring.engine:`)
say it for CI: the engine, its pool's size, or an existing cluster's address. The command-line
flags (--engine, --workers, --scheduler, --master) win over these."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from o16n.config.yamlfile import Strict


class EngineConfig(Strict):
    """The profiling engine: local (default), dask or spark (extras o16n[dask], o16n[spark])."""

    name: Literal["local", "dask", "spark"] = Field(
        "local", description="local: this machine; dask: dask.distributed; spark: pyspark"
    )
    workers: int = Field(
        1, ge=1, le=4096, description="processes of the local pool, LocalCluster or local[N]"
    )
    scheduler: str | None = Field(
        None, min_length=1, description="dask: an existing scheduler, e.g. tcp://dask:8786"
    )
    master: str | None = Field(
        None, min_length=1, description="spark: an existing master, e.g. spark://host:7077, yarn"
    )
    timeout: float = Field(
        30.0, gt=0, le=3600, description="seconds to reach the scheduler or master"
    )

    @model_validator(mode="after")
    def _address_fits_engine(self) -> EngineConfig:
        if self.scheduler is not None and self.name != "dask":
            raise ValueError("`scheduler` is for name: dask")
        if self.master is not None and self.name != "spark":
            raise ValueError("`master` is for name: spark")
        return self
