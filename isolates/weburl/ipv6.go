package weburl

import "strconv"

// parseIPv6 is the standard's IPv6 parser (input without the brackets). It
// returns the bracketed serialization, which is how the host is stored.
func parseIPv6(in string) (string, error) {
	var addr [8]uint16
	pieceIndex, compress := 0, -1
	at := func(i int) int {
		if i < len(in) {
			return int(in[i])
		}
		return eof
	}
	p := 0
	if at(p) == ':' {
		if at(p+1) != ':' {
			return "", errIPv6Invalid
		}
		p += 2
		pieceIndex++
		compress = pieceIndex
	}
	for at(p) != eof {
		if pieceIndex == 8 {
			return "", errIPv6Invalid
		}
		if at(p) == ':' {
			if compress >= 0 {
				return "", errIPv6Invalid
			}
			p++
			pieceIndex++
			compress = pieceIndex
			continue
		}
		value, length := 0, 0
		for length < 4 && at(p) != eof && isHex(in[p]) {
			value = value*16 + int(unhex(in[p]))
			p++
			length++
		}
		switch at(p) {
		case '.':
			if length == 0 {
				return "", errIPv4InIPv6Invalid
			}
			p -= length
			if pieceIndex > 6 {
				return "", errIPv4InIPv6Invalid
			}
			numbersSeen := 0
			for at(p) != eof {
				ipv4Piece := -1
				if numbersSeen > 0 {
					if at(p) == '.' && numbersSeen < 4 {
						p++
					} else {
						return "", errIPv4InIPv6Invalid
					}
				}
				if at(p) == eof || !isDigit(in[p]) {
					return "", errIPv4InIPv6Invalid
				}
				for at(p) != eof && isDigit(in[p]) {
					number := int(in[p] - '0')
					switch ipv4Piece {
					case -1:
						ipv4Piece = number
					case 0:
						return "", errIPv4InIPv6Invalid
					default:
						ipv4Piece = ipv4Piece*10 + number
					}
					if ipv4Piece > 255 {
						return "", errIPv4InIPv6Invalid
					}
					p++
				}
				addr[pieceIndex] = addr[pieceIndex]*0x100 + uint16(ipv4Piece)
				numbersSeen++
				if numbersSeen == 2 || numbersSeen == 4 {
					pieceIndex++
				}
			}
			if numbersSeen != 4 {
				return "", errIPv4InIPv6Invalid
			}
			// The embedded IPv4 address ends the input.
			return finishIPv6(addr, pieceIndex, compress)
		case ':':
			p++
			if at(p) == eof {
				return "", errIPv6Invalid
			}
		case eof:
		default:
			return "", errIPv6Invalid
		}
		addr[pieceIndex] = uint16(value)
		pieceIndex++
	}
	return finishIPv6(addr, pieceIndex, compress)
}

// finishIPv6 moves the pieces after "::" to the end and serializes.
func finishIPv6(addr [8]uint16, pieceIndex, compress int) (string, error) {
	if compress >= 0 {
		swaps := pieceIndex - compress
		for pieceIndex = 7; pieceIndex != 0 && swaps > 0; pieceIndex, swaps = pieceIndex-1, swaps-1 {
			addr[pieceIndex], addr[compress+swaps-1] = addr[compress+swaps-1], addr[pieceIndex]
		}
	} else if pieceIndex != 8 {
		return "", errIPv6Invalid
	}
	return serializeIPv6(&addr), nil
}

// serializeIPv6 is the standard's IPv6 serializer (RFC 5952 style: lowercase,
// no leading zeros, the first longest run of two or more zero pieces as
// "::"), including the brackets.
func serializeIPv6(addr *[8]uint16) string {
	compress, longest := -1, 1
	for i := 0; i < 8; {
		if addr[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && addr[j] == 0 {
			j++
		}
		if j-i > longest {
			compress, longest = i, j-i
		}
		i = j
	}
	b := make([]byte, 0, 41)
	b = append(b, '[')
	for i := 0; i < 8; i++ {
		if i == compress {
			if i == 0 {
				b = append(b, ':')
			}
			b = append(b, ':')
			i += longest - 1
			continue
		}
		b = strconv.AppendUint(b, uint64(addr[i]), 16)
		if i != 7 {
			b = append(b, ':')
		}
	}
	return string(append(b, ']'))
}
