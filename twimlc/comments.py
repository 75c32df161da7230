"""Comments: where each ``#`` comment of a ``.twl`` file goes in the typed tree, so that
``fmt`` and ``decompile`` keep them where they were."""

from __future__ import annotations

from .ast import Comment, CommentLine, Element, Node


def attach_comments(nodes: tuple[Node, ...], comments: list[CommentLine]) -> tuple[Node, ...]:
    """Place each comment in the tree: a comment on the same line as a statement trails it;
    a comment on its own line goes before the next statement at its indentation (or
    deeper, when it is indented into a block)."""
    if not comments:
        return nodes
    return _place(nodes, list(comments))


def _place(nodes: tuple[Node, ...], comments: list[CommentLine]) -> tuple[Node, ...]:
    out: list[Node] = []
    pending = comments
    for i, node in enumerate(nodes):
        start = node.span.line
        later = nodes[i + 1].span.line if i + 1 < len(nodes) else None
        # standalone comments before this node
        while pending and pending[0].span.line < start:
            c = pending.pop(0)
            out.append(Comment(c.text, False, c.span))
        mine: list[CommentLine] = []
        while (
            pending
            and (later is None or pending[0].span.line < later)
            and pending[0].span.line <= _last_line(node, pending, later)
        ):
            mine.append(pending.pop(0))
        if isinstance(node, Element) and mine:
            head_line = node.span.line
            trailing = [c for c in mine if c.span.line == head_line]
            inner = [c for c in mine if c.span.line != head_line]
            children = _place(node.children, inner) if inner else node.children
            if trailing and node.span.line == node.span.end_line and not node.elements:
                # `say: "Hi"  # c` trails the statement; an inline block with an element
                # (`gather: say "x"  # c`) is printed as a block, so the comment goes on its head
                out.append(node)
                out.extend(Comment(c.text, True, c.span) for c in trailing)
                continue
            lead = tuple(Comment(c.text, True, c.span) for c in trailing)
            node = Element(node.tag, node.attributes, lead + children, node.raw, node.span)
            out.append(node)
        else:
            out.append(node)
            out.extend(Comment(c.text, c.span.line == node.span.end_line, c.span) for c in mine)
    out.extend(Comment(c.text, False, c.span) for c in pending)
    return tuple(out)


def _last_line(node: Node, pending: list[CommentLine], later: int | None) -> int:
    """The last line whose comments belong to ``node``: its own lines, plus following
    comment lines indented deeper than it when it is a block."""
    end = node.span.end_line
    if not isinstance(node, Element) or not node.children:
        return end
    for c in pending:
        if c.span.line <= end:
            continue
        if (later is None or c.span.line < later) and c.span.column > node.span.column:
            end = c.span.line
        else:
            break
    return end
