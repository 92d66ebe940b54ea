"""Hershey stroke-font digits (simplex, duplex, complex, triplex, script and italic cuts) as
single centre-line shapes."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from .strokes import StrokeShape, Strokes, strokes_from_mask

__all__ = ["HERSHEY_FONTS", "ITALIC_FONTS", "fonts_for_digit", "hershey_shape"]

# Hershey stroke-font digits 0-9 (public-domain U.S. NBS data, as shipped in the MIT
# "Hershey-Fonts" package and in OpenCV 4's putText; OpenCV 5 replaced those fonts with
# filled TrueType ones, so the stroke data is kept here). Each string: left/right bearing,
# then x,y pairs as characters offset from 'R'; " R" lifts the pen.
_HERSHEY_DIGITS: dict[str, tuple[str, ...]] = {
    "simplex": (
        'H\\QFNGLJKOKRLWNZQ[S[VZXWYRYOXJVGSFQF',
        'H\\NJPISFS[',
        'H\\LKLJMHNGPFTFVGWHXJXLWNUQK[Y[',
        'H\\MFXFRNUNWOXPYSYUXXVZS[P[MZLYKW',
        'H\\UFKTZT RUFU[',
        'H\\WFMFLOMNPMSMVNXPYSYUXXVZS[P[MZLYKW',
        'H\\XIWGTFRFOGMJLOLTMXOZR[S[VZXXYUYTXQVOSNRNOOMQLT',
        'H\\YFO[ RKFYF',
        'H\\PFMGLILKMMONSOVPXRYTYWXYWZT[P[MZLYKWKTLRNPQOUNWMXKXIWGTFPF',
        'H\\XMWPURRSQSNRLPKMKLLINGQFRFUGWIXMXRWWUZR[P[MZLX',
    ),
    "duplex": (
        (
            'H\\QFNGLJKOKRLWNZQ[S[VZXWYRYOXJVGSFQF ROGMJLOLRMWOZ RNYQZSZVY RUZWWXRXOWJUG RVHSG'
            'QGNH'
        ),
        'H\\NJPISFS[ RNJNKPJRHR[S[',
        'H\\LKLJMHNGPFTFVGWHXJXLWNUQL[ RLKMKMJNHPGTGVHWJWLVNTQK[ RLZYZY[ RK[Y[',
        (
            'H\\MFXFQO RMFMGWG RWFPO RQNSNVOXQYTYUXXVZS[P[MZLYKWLW RPOSOVPXS RTOWQXTXUWXTZ RXV'
            'VYSZPZMYLW ROZLX'
        ),
        'H\\UIU[V[ RVFV[ RVFKVZV RUILV RLUZUZV',
        (
            'H\\MFLO RNGMN RMFWFWG RNGWG RMNPMSMVNXPYSYUXXVZS[P[MZLYKWLW RLOMOONSNVOXR RTNWPXS'
            'XUWXTZ RXVVYSZPZMYLW ROZLX'
        ),
        (
            'H\\VGWIXIWGTFRFOGMJLOLTMXOZR[S[VZXXYUYTXQVOSNRNOOMQ RWHTGRGOH RPGNJMOMTNXQZ RMVOY'
            'RZSZVYXV RTZWXXUXTWQTO RXSVPSOROOPMS RQONQMT'
        ),
        'H\\KFYFO[ RKFKGXG RXFN[O[',
        (
            'H\\PFMGLILKMMNNPOTPVQWRXTXWWYTZPZMYLWLTMRNQPPTOVNWMXKXIWGTFPF RNGMIMKNMPNTOVPXRYT'
            'YWXYWZT[P[MZLYKWKTLRNPPOTNVMWKWIVG RWHTGPGMH RLXOZ RUZXX'
        ),
        (
            'H\\WPURRSQSNRLPKMKLLINGQFRFUGWIXMXRWWUZR[P[MZLXMXNZ RWMVPSR RWNUQRRQRNQLN RPRMPLM'
            'LLMIPG RLKNHQGRGUHWK RSGVIWMWRVWTZ RUYRZPZMY'
        ),
    ),
    "complex": (
        'H\\QFNGLJKOKRLWNZQ[S[VZXWYRYOXJVGSFQF RQFOGNHMJLOLRMWNYOZQ[ RS[UZVYWWXRXOWJVHUGSF',
        'H\\NJPISFS[ RRGR[ RN[W[',
        (
            'H\\LJMKLLKKKJLHMGPFTFWGXHYJYLXNUPPRNSLUKXK[ RTFVGWHXJXLWNTPPR RKYLXNXSZVZXYYX RNX'
            'S[W[XZYXYV'
        ),
        (
            'H\\LJMKLLKKKJLHMGPFTFWGXIXLWNTOQO RTFVGWIWLVNTO RTOVPXRYTYWXYWZT[P[MZLYKWKVLUMVLW'
            ' RWQXTXWWYVZT['
        ),
        'H\\THT[ RUFU[ RUFJUZU RQ[X[',
        'H\\MFKP RKPMNPMSMVNXPYSYUXXVZS[P[MZLYKWKVLUMVLW RSMUNWPXSXUWXUZS[ RMFWF RMGRGWF',
        (
            'H\\WIVJWKXJXIWGUFRFOGMILKKOKULXNZQ[S[VZXXYUYTXQVOSNRNOOMQLT RRFPGNIMKLOLUMXOZQ[ R'
            'S[UZWXXUXTWQUOSN'
        ),
        'H\\KFKL RKJLHNFPFUIWIXHYF RLHNGPGUI RYFYIXLTQSSRVR[ RXLSQRSQVQ[',
        (
            'H\\PFMGLILLMNPOTOWNXLXIWGTFPF RPFNGMIMLNNPO RTOVNWLWIVGTF RPOMPLQKSKWLYMZP[T[WZXY'
            'YWYSXQWPTO RPONPMQLSLWMYNZP[ RT[VZWYXWXSWQVPTO'
        ),
        (
            'H\\XMWPURRSQSNRLPKMKLLINGQFSFVGXIYLYRXVWXUZR[O[MZLXLWMVNWMX RQSORMPLMLLMIOGQF RSF'
            'UGWIXLXRWVVXTZR['
        ),
    ),
    "triplex": (
        (
            'H\\QFNGLJKOKRLWNZQ[S[VZXWYRYOXJVGSFQF RNHMJLNLSMWNY RVYWWXSXNWJVH RQFOGNIMNMSNXOZ'
            'Q[ RS[UZVXWSWNVIUGSF'
        ),
        'H\\QHQ[ RRHRZ RSFS[ RSFPINJ RM[W[ RQZO[ RQYP[ RSYT[ RSZU[',
        (
            'H\\LJLKMKMJLJ RLIMINJNKMLLLKKKJLHMGPFTFWGXHYJYLXNUPPRNSLUKXK[ RWHXJXLWN RTFVGWJWL'
            'VNTPPR RKYLXNXSYWYYX RNXSZWZXY RNXS[W[XZYXYV'
        ),
        (
            'H\\LJLKMKMJLJ RLIMINJNKMLLLKKKJLHMGPFTFWGXIXLWNTO RVGWIWLVN RSFUGVIVLUNSO RQOTOVP'
            'XRYTYWXYWZT[P[MZLYKWKVLUMUNVNWMXLX RWRXTXWWY RSOUPVQWTWWVZT[ RLVLWMWMVLV'
        ),
        'H\\SIS[ RTHTZ RUFU[ RUFJUZU RP[X[ RSZQ[ RSYR[ RUYV[ RUZW[',
        (
            'H\\MFKPMNPMSMVNXPYSYUXXVZS[P[MZLYKWKVLUMUNVNWMXLX RWPXRXVWX RSMUNVOWRWVVYUZS[ RLV'
            'LWMWMVLV RMFWF RMGUG RMHQHUGWF'
        ),
        (
            'H\\VIVJWJWIVI RWHVHUIUJVKWKXJXIWGUFRFOGMILKKOKULXNZQ[S[VZXXYUYTXQVOSNQNOONPMR RNI'
            'MKLOLUMXNY RWXXVXSWQ RRFPGOHNJMNMUNXOZQ[ RS[UZVYWVWSVPUOSN'
        ),
        (
            'H\\KFKL RYFYIXLTQSSRWR[ RSRRTQWQ[ RXLSQQTPWP[R[ RKJLHNFPFUIWIXHYF RMHNGPGRH RKJLI'
            'NHPHUI'
        ),
        (
            'H\\PFMGLILLMNPOTOWNXLXIWGTFPF RNGMIMLNN RVNWLWIVG RPFOGNINLONPO RTOUNVLVIUGTF RPO'
            'MPLQKSKWLYMZP[T[WZXYYWYSXQWPTO RMQLSLWMY RWYXWXSWQ RPONPMSMWNZP[ RT[VZWWWSVPTO'
        ),
        (
            'H\\MWMXNXNWMW RWOVQURSSQSNRLPKMKLLINGQFSFVGXIYLYRXVWXUZR[O[MZLXLWMVNVOWOXNYMY RMP'
            'LNLKMI RVHWIXLXRWVVX RQSORNQMNMKNHOGQF RSFUGVIWLWSVWUYTZR['
        ),
    ),
    "script": (
        (
            'H]TFQGOIMLLOKSKVLYMZO[Q[TZVXXUYRZNZKYHXGVFTF RTFRGPINLMOLSLVMYO[ RQ[SZUXWUXRYNYK'
            'XHVF'
        ),
        'H]TJO[ RVFP[ RVFSIPKNL RUIQKNL',
        (
            'H]OJPKOLNKNJOHPGSFVFYGZIZKYMWOTQPSMUKWI[ RVFXGYIYKXMVOPS RJYKXMXRZUZWYXW RMXR[U['
            'WZXW'
        ),
        (
            'H]OJPKOLNKNJOHPGSFVFYGZIZKYMVOSP RVFXGYIYKXMVO RQPSPVQWRXTXWWYVZS[O[LZKYJWJVKULV'
            'KW RSPUQVRWTWWVYUZS['
        ),
        'H]XGR[ RYFS[ RYFJUZU',
        'H]QFLP RQF[F RQGVG[F RLPMOPNSNVOWPXRXUWXUZR[O[LZKYJWJVKULVKW RSNUOVPWRWUVXTZR[',
        (
            'H]YIXJYKZJZIYGWFTFQGOIMLLOKSKWLYMZO[R[UZWXXVXSWQVPTOQOOPMRLT RTFRGPINLMOLSLXMZ R'
            'R[TZVXWVWRVP'
        ),
        'H]NFLL R[FZIXLSRQUPWO[ RXLRRPUOWN[ RMIPFRFWI RNHPGRGWIYIZH[F',
        (
            'H]SFPGOHNJNMOOQPTPXOYNZLZIYGVFSF RSFQGPHOJOMPOQP RTPWOXNYLYIXGVF RQPMQKSJUJXKZN['
            'R[VZWYXWXTWRVQTP RQPNQLSKUKXLZN[ RR[UZVYWWWSVQ'
        ),
        (
            'H]YMXOVQTRQROQNPMNMKNIPGSFVFXGYHZJZNYRXUVXTZQ[N[LZKXKWLVMWLX ROQNONKOIQGSF RXGYI'
            'YNXRWUUXSZQ['
        ),
    ),
    "complex_italic": (
        (
            'H]TFQGOIMLLOKSKVLYMZO[Q[TZVXXUYRZNZKYHXGVFTF RTFRGPINLMOLSLVMYO[ RQ[SZUXWUXRYNYK'
            'XHVF'
        ),
        'H]TJO[ RVFP[ RVFSIPKNL RUIQKNL',
        (
            'H]OJPKOLNKNJOHPGSFVFYGZIZKYMWOTQPSMUKWI[ RVFXGYIYKXMVOPS RJYKXMXRZUZWYXW RMXR[U['
            'WZXW'
        ),
        (
            'H]OJPKOLNKNJOHPGSFVFYGZIZKYMVOSP RVFXGYIYKXMVO RQPSPVQWRXTXWWYVZS[O[LZKYJWJVKULV'
            'KW RSPUQVRWTWWVYUZS['
        ),
        'H]XGR[ RYFS[ RYFJUZU',
        'H]QFLP RQF[F RQGVG[F RLPMOPNSNVOWPXRXUWXUZR[O[LZKYJWJVKULVKW RSNUOVPWRWUVXTZR[',
        (
            'H]YIXJYKZJZIYGWFTFQGOIMLLOKSKWLYMZO[R[UZWXXVXSWQVPTOQOOPMRLT RTFRGPINLMOLSLXMZ R'
            'R[TZVXWVWRVP'
        ),
        'H]NFLL R[FZIXLSRQUPWO[ RXLRRPUOWN[ RMIPFRFWI RNHPGRGWIYIZH[F',
        (
            'H]SFPGOHNJNMOOQPTPXOYNZLZIYGVFSF RSFQGPHOJOMPOQP RTPWOXNYLYIXGVF RQPMQKSJUJXKZN['
            'R[VZWYXWXTWRVQTP RQPNQLSKUKXLZN[ RR[UZVYWWWSVQ'
        ),
        (
            'H]YMXOVQTRQROQNPMNMKNIPGSFVFXGYHZJZNYRXUVXTZQ[N[LZKXKWLVMWLX ROQNONKOIQGSF RXGYI'
            'YNXRWUUXSZQ['
        ),
    ),
    "triplex_italic": (
        (
            'H]TFQGOIMLLOKSKVLYMZO[Q[TZVXXUYRZNZKYHXGVFTF RQHOJNLMOLSLWMY RTYVWWUXRYNYJXH RTF'
            'RGPJOLNOMSMXNZO[ RQ[SZUWVUWRXNXIWGVF'
        ),
        'H]TJO[Q[ RWFUJP[ RWFQ[ RWFTIQKOL RTJRKOL',
        (
            'H]OKOJPJPLNLNJOHPGSFVFYGZIZKYMWOMUKWI[ RXGYIYKXMVOSQ RVFWGXIXKWMUOMU RJYKXMXRYWY'
            'XX RMXRZWZ RMXR[U[WZXXXW'
        ),
        (
            'H]OKOJPJPLNLNJOHPGSFVFYGZIZKYMXNVOSP RXGYIYKXMWN RVFWGXIXKWMUOSP RQPSPVQWRXTXWWY'
            'UZR[O[LZKYJWJULULWKWKV RVRWTWWVY RSPUQVSVWUYTZR['
        ),
        'H]WJR[T[ RZFXJS[ RZFT[ RZFJUZU',
        (
            'H]QFLP RQF[F RQGYG RPHUHYG[F RLPMOPNSNVOWPXRXUWXUZQ[N[LZKYJWJULULWKWKV RVPWRWUVX'
            'TZ RSNUOVQVUUXSZQ['
        ),
        (
            'H]YJYIXIXKZKZIYGWFTFQGOIMLLOKSKVLYMZO[R[UZWXXVXSWQVPTOQOOPNQMS RPINLMOLSLWMY RVX'
            'WVWSVQ RTFRGPJOLNOMSMXNZO[ RR[TZUYVVVRUPTO'
        ),
        'H]NFLL R[FZIXLTQRTQWP[ RRSPWO[ RXLRRPUOWN[P[ RMIPFRFWI ROGRGWI RMIOHRHWIYIZH[F',
        (
            'H]SFPGOHNJNMOOQPTPWOYNZLZIYGWFSF RUFPG RPHOJONPO ROORP RSPWO RXNYLYIXG RYGUF RSF'
            'QHPJPNQP RTPVOWNXLXHWF RQPMQKSJUJXKZN[R[VZWYXWXTWRVQTP RRPMQ RNQLSKUKXLZ RKZP[VZ'
            ' RVYWWWTVR RVQSP RQPOQMSLULXMZN[ RR[TZUYVWVSUQTP'
        ),
        (
            'H]XNWPVQTRQROQNPMNMKNIPGSFVFXGYHZKZNYRXUVXTZQ[N[LZKXKVMVMXLXLW ROPNNNKOI RXHYJYN'
            'XRWUUX RQRPQOOOKPHQGSF RVFWGXIXNWRVUUWSZQ['
        ),
    ),
}

#: Digits of a font that a reader might not accept as that digit (checked by eye).
_HERSHEY_EXCLUDE: dict[str, tuple[int, ...]] = {
    # Their 1 has a long, nearly level flag on a slanted stem: it reads as a 7.
    "complex_italic": (1,),
    "triplex_italic": (1,),
}
HERSHEY_FONTS: tuple[str, ...] = tuple(_HERSHEY_DIGITS)
#: Cuts that are slanted already (the distortion does not slant them further).
ITALIC_FONTS: frozenset[str] = frozenset({"script", "complex_italic", "triplex_italic"})


def _parse_hershey(glyph: str) -> Strokes:
    strokes: Strokes = []
    cur: list[tuple[int, int]] = []
    body = glyph[2:]
    for i in range(0, len(body) - 1, 2):
        pair = body[i : i + 2]
        if pair == " R":
            if cur:
                strokes.append(np.array(cur, float))
            cur = []
            continue
        cur.append((ord(pair[0]) - 82, ord(pair[1]) - 82))
    if cur:
        strokes.append(np.array(cur, float))
    return strokes


@functools.lru_cache(maxsize=None)
def _hershey_centrelines(font: str, digit: int) -> tuple[np.ndarray, ...]:
    """Single centre-line strokes of a Hershey digit.

    The multi-line cuts (duplex, triplex, ...) draw thick parts as 2-3 parallel lines, so
    the glyph is rasterised with a pen wide enough to merge them and thinned back.
    """
    raw = _parse_hershey(_HERSHEY_DIGITS[font][digit])
    scale, pad = 8.0, 24
    allp = np.vstack(raw)
    lo = allp.min(axis=0)
    h = int((allp[:, 1].max() - lo[1]) * scale) + 2 * pad
    w = int((allp[:, 0].max() - lo[0]) * scale) + 2 * pad
    img = np.zeros((h, w), np.uint8)
    thick = 1 if font == "simplex" else int(1.6 * scale)
    for s in raw:
        p = ((s - lo) * scale + pad) * 16
        cv2.polylines(img, [np.round(p).astype(np.int32)], False, 255, thick, cv2.LINE_8, 4)
    if font == "simplex":  # already single-stroke: keep the exact trajectories
        return tuple(np.array(s, float) for s in raw)
    return tuple(strokes_from_mask(img > 0, prune_frac=0.14, smooth_frac=0.025))


def fonts_for_digit(digit: int) -> list[str]:
    """The fonts (in ``HERSHEY_FONTS`` order) whose ``digit`` reads as that digit."""
    return [f for f in HERSHEY_FONTS if digit not in _HERSHEY_EXCLUDE.get(f, ())]


def hershey_shape(font: str, digit: int) -> StrokeShape:
    """The Hershey stroke-font digit ``digit`` of ``font`` (one of ``HERSHEY_FONTS``)."""
    return StrokeShape(int(digit), _hershey_centrelines(font, int(digit)), f"hershey:{font}")
