"""``Annotated`` dependency aliases for the objects the app holds in ``app.state``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from rse_monitor.service.db import Database
from rse_monitor.service.settings import Settings

if TYPE_CHECKING:
    from rse_monitor.service.broker import Broker
    from rse_monitor.service.runner import BedManager

__all__ = ["DbDep", "SettingsDep", "ManagerDep", "BrokerDep"]


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_manager(request: Request) -> BedManager:
    return request.app.state.manager


def get_broker(request: Request) -> Broker:
    return request.app.state.broker


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ManagerDep = Annotated["BedManager", Depends(get_manager)]
BrokerDep = Annotated["Broker", Depends(get_broker)]
