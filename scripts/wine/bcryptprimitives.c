/* bcryptprimitives.dll for Wine 8.0, which lacks it: the Go runtime (1.22 and
 * later) loads ProcessPrng from it before main and stops when it is missing.
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. Used only to run Windows builds under Wine (scripts/wine.sh). */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG n = size > 0x10000000 ? 0x10000000 : (ULONG)size;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        size -= n;
    }
    return TRUE;
}
