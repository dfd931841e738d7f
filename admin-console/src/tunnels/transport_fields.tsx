// The mode select and the TCP / UDP port fields, shared by the create and edit dialogs.
// The dialog decides which port fields exist; a hidden field is neither checked nor sent.
import type { TunnelMode } from '../api/types';
import { PORT_HELP, portProblem } from './port_field';

export interface TransportValue {
  mode: TunnelMode;
  tcp: string;
  udp: string;
}

export interface ShownPorts {
  tcp: boolean;
  udp: boolean;
}

/** The first problem of a shown port field, or null. */
export function transportProblem(value: TransportValue, shown: ShownPorts): string | null {
  return (shown.tcp ? portProblem(value.tcp) : null) ?? (shown.udp ? portProblem(value.udp) : null);
}

const MODE_HELP: Record<TunnelMode, string> = {
  http: 'HTTP requests reach the client through the ingress.',
  tcp: 'Raw TCP / UDP through the tunnel’s ports; HTTP requests to it are answered 410.',
};

function PortInput({ id, label, text, onChange }: { id: string; label: string; text: string; onChange: (t: string) => void }) {
  const problem = portProblem(text);
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={text}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        placeholder="auto"
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-help`}
      />
      <p id={`${id}-help`} className="help">
        {problem ? <span className="field-error">{problem}</span> : <span className="muted">{PORT_HELP}</span>}
      </p>
    </>
  );
}

interface Props {
  /** Prefix of the element ids ("new", "edit"). */
  idPrefix: string;
  value: TransportValue;
  onChange: (value: TransportValue) => void;
  shown: ShownPorts;
  /** Below the port fields, e.g. what emptying a field does on edit. */
  portNote?: string;
}

export function TransportFields({ idPrefix, value, onChange, shown, portNote }: Props) {
  return (
    <>
      <label htmlFor={`${idPrefix}-mode`}>Mode</label>
      <select
        id={`${idPrefix}-mode`}
        value={value.mode}
        onChange={(e) => onChange({ ...value, mode: e.target.value === 'tcp' ? 'tcp' : 'http' })}
        aria-describedby={`${idPrefix}-mode-help`}
      >
        <option value="http">http</option>
        <option value="tcp">tcp</option>
      </select>
      <p id={`${idPrefix}-mode-help`} className="help muted">
        {MODE_HELP[value.mode]}
      </p>
      {shown.tcp && (
        <PortInput id={`${idPrefix}-tcp-port`} label="TCP port" text={value.tcp} onChange={(tcp) => onChange({ ...value, tcp })} />
      )}
      {shown.udp && (
        <PortInput id={`${idPrefix}-udp-port`} label="UDP port" text={value.udp} onChange={(udp) => onChange({ ...value, udp })} />
      )}
      {portNote && (shown.tcp || shown.udp) && <p className="muted small">{portNote}</p>}
    </>
  );
}
