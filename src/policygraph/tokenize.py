"""jieba with a domain dictionary, shared by BM25, the default embedding model and query parsing.

The dictionary adds every Chinese label of the ontology's concepts (数据管理能力成熟度, 可信数据空间,
首席数据官, ...), a few domain terms, and jurisdiction names. Text is folded to Simplified script
and ASCII is lower-cased; English plurals are reduced (rewards -> reward). ``dictionary_hash``
identifies the dictionary so that an index built with another one is detected.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from functools import lru_cache

import jieba

from .normalize import fold

EXTRA_TERMS = (
    "DCMM",
    "DSMM",
    "数据要素",
    "可信数据空间",
    "首席数据官",
    "数据资产登记",
    "数据资产",
    "高质量数据集",
    "数据出境",
    "数据跨境",
    "算力券",
    "流片",
    "工程流片",
    "数据交易额",
    "数据集聚区",
    "集聚区",
    "产业园",
    "贴息",
    "差额奖励",
    "就高不重复",
    "一次性",
    "征求意见稿",
    "起草说明",
)
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "等",
        "对",
        "在",
        "为",
        "是",
        "将",
        "由",
        "或",
        "并",
        "其",
        "之",
        "以",
        "于",
        "中",
        "个",
        "各",
        "有",
        "被",
        "把",
        "从",
        "向",
        "也",
        "都",
        "而",
        "以及",
        "有关",
        "相关",
        "进行",
        "一批",
        "通过",
        "我市",
        "本市",
        "按照",
        "根据",
        "对于",
        "其中",
        "可以",
        "能",
        "能够",
        "获得",
        "多少",
        "什么",
        "哪些",
        "哪个",
        "如何",
        "怎么",
        "吗",
        "呢",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "by",
        "with",
        "which",
        "what",
        "how",
        "much",
        "many",
        "is",
        "are",
        "be",
        "can",
        "does",
        "do",
        "my",
        "our",
        "that",
        "this",
        "these",
        "those",
        "apply",
        "applies",
        "applicable",
        "get",
        "any",
        "there",
        "as",
        "at",
        "from",
    ]
)
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]", re.I)


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """Words added to jieba's dictionary."""
    from .vocab import concepts

    words = set(EXTRA_TERMS)
    for c in concepts():
        words.update(label for label in c.zh_labels if 2 <= len(label) <= 12)
    try:
        from .gazetteer import Gazetteer

        for place in Gazetteer.default().places.values():
            words.update(
                n for n in (place.name, *place.aliases) if 2 <= len(n) <= 10 and not n.isascii()
            )
    except Exception:  # the gazetteer's data is optional for tokenising
        pass
    return tuple(sorted(words))


def dictionary_hash() -> str:
    """Hash of the domain dictionary (recorded in the index manifest)."""
    return hashlib.sha256("\n".join(domain_terms()).encode("utf-8")).hexdigest()[:16]


_INIT_LOCK = threading.Lock()
_TOKENIZER: list[jieba.Tokenizer] = []


def _tokenizer() -> jieba.Tokenizer:
    """The jieba tokenizer with the domain dictionary, built once (concurrent callers wait)."""
    if _TOKENIZER:
        return _TOKENIZER[0]
    with _INIT_LOCK:
        if not _TOKENIZER:
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            for word in domain_terms():
                tok.add_word(word, freq=50_000)
            _TOKENIZER.append(tok)
    return _TOKENIZER[0]


def _english(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    """Search tokens of a text: jieba words, Simplified, lower-case, no punctuation or stopwords.

    Example:
        >>> tokens("支持企业开展数据管理能力成熟度（DCMM）评估认证")
        ['支持', '企业', '开展', '数据管理能力成熟度', 'dcmm', '评估', '认证']
    """
    out = []
    for word in _tokenizer().lcut(fold(text), HMM=True):
        word = word.strip().lower()
        if not word or not _TOKEN.search(word):
            continue
        if word.isascii():
            word = _english(word)
        if keep_stopwords or word not in STOPWORDS:
            out.append(word)
    return out


__all__ = ["STOPWORDS", "dictionary_hash", "domain_terms", "tokens"]
