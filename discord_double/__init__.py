"""A loopback Discord: REST + gateway on 127.0.0.1 for the unchanged discord.py client.

Tests drive users (slash commands, buttons, modals, autocomplete) and read back what the bot
answered, every REST request, and every rule Discord would have enforced (``violations``).
"""

from .client import BotRunner, point_discord_at, running_bot, start_bot
from .double import DiscordDouble
from .gateway import GatewayEvent
from .interactions import InteractionHandle, choice_names
from .limits import EPHEMERAL
from .records import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    MANAGE_CHANNELS,
    PRIVILEGED_INTENTS,
    Button,
    Channel,
    CommandPut,
    Guild,
    IdentifyRecord,
    ModalInput,
    RecordedMessage,
    RecordedModal,
    RecordedRequest,
    RecordedResponse,
    User,
)
from .waiting import DoubleTimeout

__all__ = [
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "EPHEMERAL",
    "MANAGE_CHANNELS",
    "PRIVILEGED_INTENTS",
    "BotRunner",
    "Button",
    "Channel",
    "CommandPut",
    "DiscordDouble",
    "DoubleTimeout",
    "GatewayEvent",
    "Guild",
    "IdentifyRecord",
    "InteractionHandle",
    "ModalInput",
    "RecordedMessage",
    "RecordedModal",
    "RecordedRequest",
    "RecordedResponse",
    "User",
    "choice_names",
    "point_discord_at",
    "running_bot",
    "start_bot",
]
