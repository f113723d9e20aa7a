"""Command palette: the keys of the screen it was opened from, by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

#: Actions the palette leaves to the system commands (Quit) or offers itself in another way.
_LEFT_OUT = frozenset({"help", "app.help", "quit", "app.quit"})


@dataclass(frozen=True)
class ScreenCommand:
    """One binding of a screen, as the palette offers it."""

    title: str
    help: str
    action: str
    node: DOMNode


def screen_commands(screen: Screen) -> list[ScreenCommand]:
    """Every described binding active on ``screen`` (focused widget first), once each."""
    commands: list[ScreenCommand] = []
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.system or binding.action in _LEFT_OUT:
            continue
        if binding.action in seen:
            continue
        seen.add(binding.action)
        key = screen.app.get_key_display(binding)
        commands.append(
            ScreenCommand(
                binding.description,
                f"{binding.tooltip or binding.description} ({key})",
                binding.action,
                active.node,
            )
        )
    return commands


class ScreenKeysProvider(Provider):
    """Offers the actions bound to keys on the current screen."""

    def _commands(self) -> list[ScreenCommand]:
        return screen_commands(self.screen)

    def _callback(self, command: ScreenCommand) -> Callable[[], Awaitable[bool]]:
        return partial(self.app.run_action, command.action, command.node)

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, self._callback(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(command.title),
                    self._callback(command),
                    text=command.title,
                    help=command.help,
                )
