// One clock for the SLA countdowns: a ref that ticks every second while a
// page that shows them is mounted.
import { onMounted, onUnmounted, ref, type Ref } from 'vue';

export function useNow(ms = 1000): Ref<Date> {
  const now = ref(new Date());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = new Date()), ms);
  });
  onUnmounted(() => clearInterval(timer));
  return now;
}
