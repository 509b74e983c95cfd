"""The detections a round's text was matched against, drawn on the canvas: a dashed box each, with a tag that names
its class and score (the chosen one in the instance's colour, the others in white). Clicking a tag picks that
detection (the canvas emits ``detectionPicked``)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsItemGroup, QGraphicsRectItem, QGraphicsScene,
                               QGraphicsSimpleTextItem)

OTHER = QColor(255, 255, 255)
TAG_TEXT = QColor(20, 20, 20)
TAG_PAD = 3.0
#: stacking order: above the prompt markers
Z_DETECTIONS = 25


class DetectionLayer:
    """A group of boxes and tags in ``scene``; :meth:`show` replaces them."""

    def __init__(self, scene: QGraphicsScene):
        self.scene = scene
        self.group = QGraphicsItemGroup()
        self.group.setZValue(Z_DETECTIONS)
        scene.addItem(self.group)
        self.tags: list[QGraphicsRectItem] = []

    def clear(self) -> None:
        for child in self.group.childItems():
            self.group.removeFromGroup(child)
            self.scene.removeItem(child)
        self.tags = []

    def show(self, grounding, colour: tuple[int, int, int]) -> None:
        """Draw ``grounding``'s candidates (a GroundingInfo, or None to clear)."""
        self.clear()
        if grounding is None:
            return
        chosen = {d.box for d in grounding.chosen}
        for d in grounding.considered:
            c = QColor(*colour) if d.box in chosen else OTHER
            x0, y0, x1, y1 = d.box
            rect = QGraphicsRectItem(QRectF(QPointF(x0 + 0.5, y0 + 0.5), QPointF(x1 + 0.5, y1 + 0.5)))
            pen = QPen(c, 2, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            rect.setPen(pen)
            self.group.addToGroup(rect)
            self.tags.append(self._tag(f"{d.name} {d.score:.2f}", c, QPointF(x0 + 0.5, y0 + 0.5)))

    def _tag(self, text: str, colour: QColor, at: QPointF) -> QGraphicsRectItem:
        """A filled label at the box's top-left corner, the same size at any zoom."""
        label = QGraphicsSimpleTextItem(text)
        font = QFont()
        font.setPointSizeF(9)
        label.setFont(font)
        label.setBrush(QBrush(TAG_TEXT))
        r = label.boundingRect()
        tag = QGraphicsRectItem(QRectF(0, 0, r.width() + 2 * TAG_PAD, r.height() + 2 * TAG_PAD))
        tag.setBrush(QBrush(colour))
        tag.setPen(QPen(Qt.PenStyle.NoPen))
        tag.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        tag.setCursor(Qt.CursorShape.PointingHandCursor)
        tag.setPos(at)
        label.setParentItem(tag)
        label.setPos(TAG_PAD, TAG_PAD)
        self.group.addToGroup(tag)
        return tag

    def pick_at(self, item: QGraphicsItem | None) -> int | None:
        """The index of the detection whose tag ``item`` (an item under the mouse) belongs to."""
        if not self.group.isVisible():
            return None
        while item is not None:
            if item in self.tags:
                return self.tags.index(item)
            item = item.parentItem()
        return None
